import { readdirSync } from 'node:fs';
import { sql } from 'kysely';
import { appRouter } from '@medreg/core';
import type { TestApp } from '@medreg/core/testing';
import type { Role } from '@medreg/db';
import type { ApiApp } from './app.js';

/** Only for tests: calling the API over HTTP (in-process) as a signed-in user. */
export const TEST_ORIGIN = 'http://localhost:3000';

export type ProcedureDef = { _def: { type: 'query' | 'mutation'; inputs: unknown[] } };
export const procedures = (appRouter as unknown as { _def: { procedures: Record<string, ProcedureDef> } })._def.procedures;

/** A session cookie for the demo user of each role. */
export async function sessionCookies(app: TestApp, roles: readonly Role[]): Promise<Map<Role, string>> {
  const cookies = new Map<Role, string>();
  for (const role of roles) {
    const { email } = await app.services.db.selectFrom('users').select('email').where('id', '=', await app.userId(role)).executeTakeFirstOrThrow();
    const signedIn = await app.services.auth.api.signInEmail({ body: { email, password: 'demo-passwort' }, returnHeaders: true });
    cookies.set(role, signedIn.headers.get('set-cookie')!.split(';')[0]!);
  }
  return cookies;
}

export interface TrpcResponse {
  status: number;
  text: string;
  body: { result?: { data: unknown }; error?: { message: string; data: { code: string; fieldErrors: Record<string, string> | null } } };
}

/** A tRPC procedure over HTTP: a query as GET with `?input=`, a mutation as a JSON POST. */
export async function callProcedure(api: ApiApp, cookie: string | undefined, path: string, input?: unknown): Promise<TrpcResponse> {
  const headers: Record<string, string> = { origin: TEST_ORIGIN };
  if (cookie) headers.cookie = cookie;
  const res =
    procedures[path]!._def.type === 'query'
      ? await api.request(`/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`, { headers })
      : await api.request(`/trpc/${path}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: input === undefined ? undefined : JSON.stringify(input),
        });
  const text = await res.text();
  let body: TrpcResponse['body'] = {};
  try {
    body = JSON.parse(text) as TrpcResponse['body'];
  } catch {
    /* not JSON: the caller judges the status and text */
  }
  return { status: res.status, text, body };
}

/**
 * What a refused call must leave as it was: SQLite's total_changes() of the app's connection (every row
 * written, updated or deleted), or on PostgreSQL the row count of every table; and the files in the store.
 */
export async function writeState(app: TestApp): Promise<string> {
  const { db, dialect, files } = app.services;
  const fileCount = readdirSync(files.root, { recursive: true }).length;
  if (dialect === 'sqlite') {
    const { rows } = await sql<{ n: number }>`select total_changes() as n`.execute(db);
    return `changes ${rows[0]!.n}, files ${fileCount}`;
  }
  const { rows: tables } = await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = 'public' order by 1`.execute(db);
  const counts = sql.join(tables.map((t) => sql`(select count(*) from ${sql.table(t.name)})`));
  const { rows } = await sql<{ c: string }>`select concat_ws(',', ${counts}) as c`.execute(db);
  return `rows ${rows[0]!.c}, files ${fileCount}`;
}

/** A refusal's body must not leak a stack trace, a source path or a database message. */
export const leaksInternals = (text: string) =>
  /stack|\bat\s+\S+\s*\(|node_modules|\/work\/|\/src\/|\.ts\b|file:\/\/|SQLITE_|syntax error|violates|relation "/i.test(text);
