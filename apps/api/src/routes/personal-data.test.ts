import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClientIp } from '@medreg/core';
import { createTestApp, type TestApp } from '@medreg/core/testing';
import { testDialects } from '@medreg/db/testing';
import { createApiApp, type ApiApp } from '../app.js';

const ORIGIN = 'http://localhost:3000';
let clients = 0;

/** GET /api/people/:id/export.json with real sessions. */
describe.each(testDialects)('a person’s data export over HTTP on %s', (dialect) => {
  let app: TestApp;
  let api: ApiApp;
  beforeAll(async () => {
    app = await createTestApp(dialect);
    api = createApiApp(app.services);
  });
  afterAll(() => app?.close());

  async function cookieOf(email: string) {
    const res = await api.fetch(
      withClientIp(
        new Request(`${ORIGIN}/api/auth/sign-in/email`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: ORIGIN }, body: JSON.stringify({ email, password: 'demo-passwort' }) }),
        // Sign-ins are limited per client address: each comes from its own documentation address.
        `203.0.113.${++clients}`,
      ),
    );
    expect(res.status).toBe(200);
    return res.headers.get('set-cookie')!.split(';')[0]!;
  }
  const get = (path: string, cookie?: string) => api.fetch(new Request(ORIGIN + path, { headers: { 'Accept-Language': 'de', ...(cookie ? { Cookie: cookie } : {}) } }));

  it('gives an admin the JSON as a download and refuses everyone else', async () => {
    const nurse = await app.userId('nurse');
    const res = await get(`/api/people/${nurse}/export.json`, await cookieOf('admin@demo.medreg'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="personal-data-pflege-\d{4}-\d\d-\d\d\.json"/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const data = (await res.json()) as { person: { email: string }; departments: { name: string }[]; records: Record<string, Record<string, unknown[]>> };
    expect(data.person.email).toBe('pflege@demo.medreg');
    expect(data.departments.map((d) => d.name).sort()).toEqual(['Intensivstation 1', 'Kardiologie 3B']);
    expect(data.records.instruction_trainees!.user_id!.length).toBeGreaterThan(0);

    const manager = await get(`/api/people/${nurse}/export.json`, await cookieOf('manager@demo.medreg'));
    expect(manager.status).toBe(403);
    expect(await manager.json()).toEqual({ error: expect.any(String) });
    expect((await get(`/api/people/${nurse}/export.json`)).status).toBe(401);
    const missing = await get('/api/people/no-such-person/export.json', await cookieOf('admin@demo.medreg'));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'Diese Person gibt es nicht.' });
    // One export, one access log row.
    const rows = await app.services.db.selectFrom('access_log').select('action').where('subject_user_id', '=', nurse).where('action', '=', 'personal_data_export').execute();
    expect(rows).toHaveLength(1);
  });
});
