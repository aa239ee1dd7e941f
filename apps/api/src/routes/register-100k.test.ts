import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClientIp } from '@medreg/core';
import { createTestApp, type TestApp } from '@medreg/core/testing';
import { testDialects } from '@medreg/db/testing';
import { pageCount, run } from '@medreg/print/testing';
import { createApiApp, type ApiApp } from '../app.js';

// The register of a site with 100,000 devices through the HTTP route: how long it takes, and that every device
// is printed. Minutes of work on two cores, so only on request: REGISTER_100K=1 (optionally =sqlite or =postgres).
const wanted = process.env.REGISTER_100K;
const dialects = testDialects.filter((d) => wanted === '1' || wanted === d);
const DEVICES = Number(process.env.REGISTER_DEVICES ?? 100_000);
const ORIGIN = 'http://localhost:3000';
const dir = mkdtempSync(join(tmpdir(), 'register-100k-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(dialects.length === 0).each(dialects.length ? dialects : testDialects)('the register PDF of a site with 100,000 devices on %s', (dialect) => {
  let app: TestApp;
  let api: ApiApp;
  let siteId: string;
  beforeAll(async () => {
    app = await createTestApp(dialect);
    api = createApiApp(app.services);
    const db = app.services.db;
    siteId = crypto.randomUUID();
    const now = new Date().toISOString();
    await db.insertInto('sites').values({ id: siteId, name: 'Großklinikum', address: 'Teststraße 1', created_at: now }).execute();
    const buildingId = crypto.randomUUID();
    await db.insertInto('buildings').values({ id: buildingId, site_id: siteId, name: 'Haus A' }).execute();
    const wards = Array.from({ length: 200 }, (_, i) => ({ id: crypto.randomUUID(), site_id: siteId, building_id: buildingId, name: `Station ${String(i).padStart(3, '0')}`, kind: 'ward' as const, cost_centre: null }));
    await db.insertInto('departments').values(wards).execute();
    const rooms = wards.flatMap((w) => Array.from({ length: 10 }, (_, r) => ({ id: crypto.randomUUID(), department_id: w.id, name: `Raum ${r}`, floor: null })));
    for (let i = 0; i < rooms.length; i += 500) await db.insertInto('rooms').values(rooms.slice(i, i + 500)).execute();
    const models = await db.selectFrom('device_models').select('id').execute();
    const started = performance.now();
    for (let i = 0; i < DEVICES; i += 500) {
      const rows = Array.from({ length: Math.min(500, DEVICES - i) }, (_, k) => {
        const n = i + k;
        const room = rooms[n % rooms.length]!;
        return {
          id: crypto.randomUUID(),
          code: `Z${n.toString(32).toUpperCase().padStart(7, '0')}`, // unique; not a valid label code, which the register does not need
          inventory_number: `GK-${String(n).padStart(6, '0')}`,
          model_id: models[n % models.length]!.id,
          serial_number: `SN${n}`,
          lot_number: null,
          acquired_year: 2015 + (n % 10),
          commissioned_on: '2020-01-15',
          site_id: siteId,
          department_id: room.department_id,
          room_id: room.id,
          status: n % 50 === 0 ? ('decommissioned' as const) : ('in_service' as const),
          udi_di: null,
          notified_body: '0123',
          device_class: null,
          notes: null,
          decommissioned_on: n % 50 === 0 ? '2025-01-01' : null,
          ce_marked: 1,
          created_at: now,
          updated_at: now,
        };
      });
      await db.insertInto('devices').values(rows).execute();
    }
    console.log(`${dialect}: inserted ${DEVICES} devices in ${Math.round(performance.now() - started)} ms`);
  }, 1_800_000);
  afterAll(() => app?.close());

  it('prints every active device, and says how long it took', async () => {
    const signIn = await api.fetch(
      withClientIp(
        new Request(`${ORIGIN}/api/auth/sign-in/email`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Origin: ORIGIN },
          body: JSON.stringify({ email: 'manager@demo.medreg', password: 'demo-passwort' }),
        }),
        '192.0.2.100',
      ),
    );
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    const res = await api.fetch(new Request(`${ORIGIN}/api/register/sites/${siteId}/register.pdf`, { headers: { Cookie: cookie, 'Accept-Language': 'de' } }));
    const bytes = new Uint8Array(await res.arrayBuffer());
    const ms = Math.round(performance.now() - started);
    expect(res.status).toBe(200);
    const file = join(dir, `${dialect}.pdf`);
    writeFileSync(file, bytes);
    const active = DEVICES - Math.ceil(DEVICES / 50);
    const pages = pageCount(file);
    console.log(
      `${dialect}: register of ${active} active devices: ${ms} ms, ${pages} pages, ${(bytes.length / 1e6).toFixed(1)} MB, RSS +${Math.round((process.memoryUsage().rss - rss) / 1e6)} MB`,
    );
    // Tens of megabytes of text: through a file, not a pipe buffer.
    run('pdftotext', file, `${file}.txt`);
    const text = readFileSync(`${file}.txt`, 'utf8').replace(/\s+/g, ' ');
    expect(text).toContain(`${active} aktive Geräte`);
    expect(text.match(/GK-\d{6}/g)).toHaveLength(active);
    expect(text).toContain(`Seite ${pages} von ${pages}`);
  }, 1_800_000);
});
