// Development with reload: vite dev in apps/web, data in the repository's ./data like `npm start`.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
const env = { ...process.env, DATA_DIR: resolve(process.env.DATA_DIR ?? resolve(root, 'data')) };
spawn('npx', ['vite', 'dev', '--port', process.env.PORT ?? '3000'], { cwd: resolve(import.meta.dirname, '..'), env, stdio: 'inherit' }).on(
  'exit',
  (code) => process.exit(code ?? 0),
);
