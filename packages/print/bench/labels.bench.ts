/**
 * Label benchmark: renders N labels (default 100) in each layout; prints the first (cold) run, then p50 and
 * max over ten more.
 *   npm run bench -w @medreg/print
 *   BENCH_LABELS=1000 npm run bench -w @medreg/print
 */
import { performance } from 'node:perf_hooks';
import { renderLabels, type LabelData, type LabelLayout } from '../src/index.js';

const N = Number(process.env.BENCH_LABELS ?? 100);
const RUNS = 10;

const labels: LabelData[] = Array.from({ length: N }, (_, i) => {
  const code = (1_000_000 + i).toString(32).toUpperCase().padStart(8, '0');
  return {
    url: `https://medreg.klinikum.example/d/${code}`,
    inventoryNumber: `MT-${String(i).padStart(6, '0')}`,
    name: i % 3 ? 'B. Braun Perfusor Space' : 'Drägerwerk AG & Co. KGaA Evita Infinity V500 Intensivbeatmungsgerät',
    code: `${code.slice(0, 4)}-${code.slice(4)}`,
    nextDue: i % 5 ? '31.03.2027' : null,
  };
});

for (const layout of ['3x8', '2x7', 'single'] as LabelLayout[]) {
  const cold = performance.now();
  await renderLabels({ locale: 'de', layout, labels }); // the first run also reads the fonts and warms the JIT
  const first = performance.now() - cold;
  const ms: number[] = [];
  let bytes = 0;
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    bytes = (await renderLabels({ locale: 'de', layout, labels })).length;
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const f = (n: number) => `${n.toFixed(1)} ms`;
  const size = `${(bytes / 1024).toFixed(0)} KiB`;
  console.log(`${layout.padEnd(6)} ${N} labels: first ${f(first)}  p50 ${f(ms[RUNS >> 1]!)}  max ${f(ms[RUNS - 1]!)}  ${size}`);
}
