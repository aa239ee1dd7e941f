import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { procedurePolicy, routePolicy, type Access } from '@medreg/core';
import { createTestApp, type TestApp } from '@medreg/core/testing';
import type { Role } from '@medreg/db';
import { testDialects } from '@medreg/db/testing';
import { createApiApp, type ApiApp } from './app.js';
import { callProcedure, procedures, sessionCookies, TEST_ORIGIN as ORIGIN } from './test-client.js';

/**
 * The access-control matrix: every tRPC procedure and every HTTP route, called over HTTP as anonymous, nurse
 * (with a device of her own ward and of another ward), technician, manager and admin, against the policy table
 * (packages/core/src/trpc/policy.ts). A procedure or route added without a policy entry fails here.
 */
/** Procedures that end every session of the caller. */
const ENDS_SESSIONS = new Set(['users.signOutEverywhere']);
const callers = ['anonymous', 'nurse', 'technician', 'manager', 'admin'] as const;
type Caller = (typeof callers)[number];

function mayPass(access: Access, who: Caller) {
  if (access.roles === 'anyone') return true;
  return who !== 'anonymous' && (access.roles as readonly Role[]).includes(who);
}

/** What a denied call must answer: 401 without a session, 403 with one. */
const deniedStatus = (who: Caller) => (who === 'anonymous' ? 401 : 403);

interface Device {
  id: string;
  code: string;
  inventoryNumber: string;
}

describe.each(testDialects)('access-control matrix on %s', (dialect) => {
  let app: TestApp;
  let api: ApiApp;
  const cookies = new Map<Caller, string>();
  let own: Device;
  let other: Device;
  /** Route parameters for each ward; filled in beforeAll. */
  const samples = { own: {} as Record<string, string>, other: {} as Record<string, string> };

  async function call(who: Caller, path: string, input?: unknown) {
    return callProcedure(api, cookies.get(who), path, input);
  }

  async function get(who: Caller, url: string) {
    const headers: Record<string, string> = {};
    const cookie = cookies.get(who);
    if (cookie) headers.cookie = cookie;
    const res = await api.request(url, { headers });
    await res.arrayBuffer();
    return res.status;
  }

  beforeAll(async () => {
    app = await createTestApp(dialect);
    api = createApiApp(app.services);
    const db = app.services.db;
    for (const [role, cookie] of await sessionCookies(app, ['nurse', 'technician', 'manager', 'admin'])) cookies.set(role, cookie);

    const nurseWards = db.selectFrom('user_departments').select('department_id').where('user_id', '=', await app.userId('nurse'));
    const pick = async (inWard: boolean, exclude: string[] = []) => {
      let q = db
        .selectFrom('devices')
        .select(['id', 'code', 'inventory_number'])
        .where('status', '=', 'in_service')
        .where('department_id', inWard ? 'in' : 'not in', nurseWards);
      if (exclude.length) q = q.where('id', 'not in', exclude);
      const d = await q.orderBy('inventory_number').limit(1).executeTakeFirstOrThrow();
      return { id: d.id, code: d.code, inventoryNumber: d.inventory_number };
    };
    own = await pick(true);
    other = await pick(false);

    // Each ward gets what the device routes need: a locked device (lock-out card), a file, a passed MTK.
    const technician = await app.as('technician');
    const picture = new File([new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c33' } }).png().toBuffer())], 'front.png', {
      type: 'image/png',
    });
    for (const [ward, device] of [
      ['own', own],
      ['other', other],
    ] as const) {
      const locked = await pick(ward === 'own', [own.id, other.id]);
      await technician.lockout.lock({ deviceId: locked.id, reason: 'Access-matrix fixture: display cracked.' });
      samples[ward].locked = locked.id;
      samples[ward].device = device.id;
      const form = new FormData();
      form.set('deviceId', device.id);
      form.set('purpose', 'picture');
      form.set('visibility', 'all');
      form.set('file', picture);
      samples[ward].file = (await technician.files.upload(form)).id;
      const mtk = await db
        .selectFrom('logbook_entries as e')
        .innerJoin('inspection_types as it', 'it.id', 'e.inspection_type_id')
        .innerJoin('devices as d', 'd.id', 'e.device_id')
        .select('e.id')
        .where('it.code', 'like', 'MTK%')
        .where('e.result', '=', 'passed')
        .where('d.department_id', ward === 'own' ? 'in' : 'not in', nurseWards)
        .orderBy('e.occurred_at', 'desc')
        .limit(40)
        .execute();
      for (const { id } of mtk) {
        if ((await get('admin', `/api/inspections/${id}/mtk-sticker.pdf`)) !== 200) continue;
        samples[ward].mtk = id;
        break;
      }
      expect(samples[ward].mtk, `a passed MTK as the latest of its type in the ${ward} ward`).toBeDefined();
    }
    samples.own.site = samples.other.site = (await db.selectFrom('sites').select('id').orderBy('name').executeTakeFirstOrThrow()).id;
    samples.own.person = samples.other.person = await app.userId('nurse');
  }, 180_000);

  afterAll(async () => {
    // integrity.start runs a check in the background: let it finish before the database goes.
    for (let i = 0; i < 200; i++) {
      const s = await call('admin', 'integrity.status');
      if (!(s.body.result?.data as { running?: unknown } | undefined)?.running) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await app?.close();
  });

  it('has a policy entry for every procedure and every route, and none for things that do not exist', () => {
    expect(Object.keys(procedurePolicy).sort()).toEqual(Object.keys(procedures).sort());
    const routes = [...new Set(api.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))].sort();
    expect(Object.keys(routePolicy).sort()).toEqual(routes);
  });

  it('lets every procedure past its role check exactly for the roles of the policy', async () => {
    const mismatches: string[] = [];
    for (const [path, proc] of Object.entries(procedures)) {
      const access = procedurePolicy[path];
      if (!access) continue;
      for (const who of callers) {
        // An empty object for procedures with input: the role check comes before the input check.
        const { status } = await call(who, path, proc._def.inputs.length ? {} : undefined);
        // A call that ended the caller's sessions: sign in again for the rest of the matrix.
        if (ENDS_SESSIONS.has(path) && who !== 'anonymous') cookies.set(who, (await sessionCookies(app, [who])).get(who)!);
        const passed = status !== 401 && status !== 403;
        if (status >= 500) mismatches.push(`${path} as ${who}: ${status}`);
        else if (mayPass(access, who) ? !passed : status !== deniedStatus(who)) mismatches.push(`${path} as ${who}: ${status}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  /** Valid input for every procedure nurses may call on one device; the matrix calls it for both wards. */
  const wardInputs: Record<string, (d: Device) => unknown> = {
    'devices.get': (d) => ({ id: d.id }),
    'devices.page': (d) => ({ id: d.id }),
    'devices.setFavourite': (d) => ({ deviceId: d.id, favourite: true }),
    'logbook.list': (d) => ({ deviceId: d.id }),
    'instructions.ofDevice': (d) => ({ deviceId: d.id }),
    'instructions.request': (d) => ({ deviceId: d.id }),
    'defects.report': (d) => ({ deviceId: d.id, text: 'Access matrix: the alarm does not sound.' }),
    'defects.ofDevice': (d) => ({ deviceId: d.id }),
    'files.list': (d) => ({ deviceId: d.id }),
    'reports.logbook': (d) => ({ deviceId: d.id }),
  };

  it('has a valid ward sample for every procedure scoped to the nurse’s wards', () => {
    const scoped = Object.entries(procedurePolicy)
      .filter(([, a]) => a.ward)
      .map(([p]) => p)
      .filter((p) => p !== 'devices.list');
    expect(Object.keys(wardInputs).sort()).toEqual(scoped.sort());
  });

  it('gives nurses the devices of their own wards and hides every other device', async () => {
    const outcomes: string[] = [];
    for (const [path, input] of Object.entries(wardInputs)) {
      for (const who of ['nurse', 'technician'] as const) {
        for (const [ward, device] of [
          ['own', own],
          ['other', other],
        ] as const) {
          const { status } = await call(who, path, input(device));
          // Past the visibility check a call may still meet a rule of its domain (409: already requested).
          const seen = status === 404 ? 'hidden' : status === 200 || status === 400 || status === 409 ? 'reached' : String(status);
          outcomes.push(`${path} ${who} ${ward}: ${seen}`);
        }
      }
    }
    const expected = Object.keys(wardInputs).flatMap((path) => [
      `${path} nurse own: reached`,
      `${path} nurse other: hidden`,
      `${path} technician own: reached`,
      `${path} technician other: reached`,
    ]);
    expect(outcomes).toEqual(expected);

    // The list is scoped the same way: searching for the other ward's device finds nothing for the nurse.
    const found = async (who: Caller, d: Device) =>
      ((await call(who, 'devices.list', { q: d.inventoryNumber })).body.result!.data as { items: { id: string }[] }).items.some((i) => i.id === d.id);
    expect([await found('nurse', own), await found('nurse', other), await found('technician', other)]).toEqual([true, false, true]);
  });

  /** A URL per route that a permitted caller gets a 200 from; ward routes take the ward's sample. */
  const routeUrls: Record<string, (s: Record<string, string>) => string> = {
    'GET /api/health': () => '/api/health',
    'GET /api/auth/*': () => '/api/auth/get-session',
    // A sign-in without credentials (a sign-out here would end the session the rest of the matrix uses).
    'POST /api/auth/*': () => '/api/auth/sign-in/email',
    'GET /api/calendar/:token': () => '/api/calendar/not-a-token.ics',
    'GET /api/files/:id': (s) => `/api/files/${s.file}`,
    'GET /api/devices/:id/lockout-card.pdf': (s) => `/api/devices/${s.locked}/lockout-card.pdf`,
    'GET /api/inspections/:entryId/mtk-sticker.pdf': (s) => `/api/inspections/${s.mtk}/mtk-sticker.pdf`,
    'GET /api/labels.pdf': (s) => `/api/labels.pdf?deviceId=${s.device}`,
    'GET /api/instructions/matrix.csv': (s) => `/api/instructions/matrix.csv?scope=site:${s.site}`,
    'GET /api/instructions/matrix.pdf': (s) => `/api/instructions/matrix.pdf?scope=site:${s.site}`,
    'GET /api/instructions/record.pdf': () => '/api/instructions/record.pdf',
    'GET /api/register/devices.csv': () => '/api/register/devices.csv',
    'GET /api/register/sites/:siteId/register.pdf': (s) => `/api/register/sites/${s.site}/register.pdf`,
    'GET /api/devices/:id/logbook.pdf': (s) => `/api/devices/${s.device}/logbook.pdf`,
    'GET /api/people/:id/export.json': (s) => `/api/people/${s.person}/export.json`,
  };

  it('answers every route by the policy: 200 when permitted, 401 or 403 when not, 404 for another ward', async () => {
    expect(Object.keys(routeUrls).sort()).toEqual(Object.keys(routePolicy).sort());
    const mismatches: string[] = [];
    for (const [route, access] of Object.entries(routePolicy)) {
      const [method] = route.split(' ');
      for (const who of callers) {
        for (const ward of access.ward ? (['own', 'other'] as const) : (['own'] as const)) {
          const url = routeUrls[route]!(samples[ward]);
          let status: number;
          if (method === 'POST') {
            const headers: Record<string, string> = { origin: ORIGIN, 'content-type': 'application/json' };
            if (cookies.get(who)) headers.cookie = cookies.get(who)!;
            const res = await api.request(url, { method, headers, body: '{}' });
            await res.arrayBuffer();
            status = res.status;
          } else status = await get(who, url);
          let expected: number | 'open';
          if (access.roles === 'anyone') expected = 'open';
          else if (!mayPass(access, who)) expected = deniedStatus(who);
          else expected = who === 'nurse' && ward === 'other' ? 404 : 200;
          const ok = expected === 'open' ? status !== 401 && status !== 403 && status < 500 : status === expected;
          if (!ok) mismatches.push(`${route} as ${who} (${ward}): ${status}, expected ${expected}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});
