/**
 * PostgreSQL for tests: every test gets its own schema with a random name, dropped afterwards
 * (also when the test fails). The server is 127.0.0.1:5432, database `test`, trust auth (CI and
 * node-svc machines run it), or HUBBUB_TEST_PG. If it is unreachable the tests FAIL with a message
 * saying so: they never skip.
 */
import type { Engine } from "../engine.ts";
import { bunSqlClient } from "../pg/bun-sql.ts";
import type { PgClient } from "../pg/client.ts";
import { openPgEngine, type PgEngineOptions } from "../pg/pg-engine.ts";

export const PG_URL = process.env.HUBBUB_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";

const admins = new Map<string, PgClient>();
async function adminClient(url: string): Promise<PgClient> {
  const known = admins.get(url);
  if (known) return known;
  const c = bunSqlClient({ url, max: 2, applicationName: "hubbub-test-admin" });
  try {
    await c.query("SELECT 1");
  } catch (e) {
    await c.close().catch(() => {});
    throw new Error(`PostgreSQL is unreachable at ${url} (${(e as Error).message}). The PostgreSQL engine tests need it: start it, or point HUBBUB_TEST_PG at one.`);
  }
  admins.set(url, c);
  return c;
}

/** Polls `cond` until it is true; rejects after `timeoutMs`. For states only the server can show. */
export async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(20);
  }
}

export interface PgTestSchema {
  schema: string;
  /** Opens one more engine instance (another "node") on this schema; closed by dispose(). */
  open(extra?: Partial<PgEngineOptions>): Promise<Engine>;
  /** Terminates every server connection of this schema's engines (pg_terminate_backend). */
  killConnections(): Promise<number>;
  /** How many of this schema's server connections are LISTENing (their last statement was LISTEN). */
  listeners(): Promise<number>;
  /** Closes the engines opened here and drops the schema. */
  dispose(): Promise<void>;
}

export async function createPgSchema(url = PG_URL): Promise<PgTestSchema> {
  const a = await adminClient(url);
  const schema = `t_${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`;
  const app = `hubbub-test-${schema}`;
  await a.query(`CREATE SCHEMA "${schema}"`);
  const opened: Engine[] = [];
  return {
    schema,
    async open(extra = {}) {
      const e = await openPgEngine({ url, schema, applicationName: app, max: 3, ...extra });
      opened.push(e);
      return e;
    },
    async killConnections() {
      const rows = await a.query("SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1", [app]);
      return rows.filter((r) => r.ok === true).length;
    },
    async listeners() {
      const [row] = await a.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'", [app]);
      return Number(row?.n ?? 0);
    },
    async dispose() {
      for (const e of opened) await e.close().catch(() => {});
      await a.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}

export interface PgTestDatabase { url: string; drop(): Promise<void> }

/**
 * A whole database (random name, dropped with its sessions by `drop`) for what takes a URL, not
 * a schema: node processes in the cluster tests and benchmarks. Unreachable = a loud failure.
 */
export async function createPgDatabase(url = PG_URL): Promise<PgTestDatabase> {
  const admin = bunSqlClient({ url, max: 1, applicationName: "hubbub-test-admin" });
  const name = `hubbub_c_${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (e) {
    await admin.close().catch(() => {});
    throw new Error(`PostgreSQL is unreachable at ${url} (${(e as Error).message}): the cluster tests and benchmarks need it (or HUBBUB_TEST_PG)`);
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await admin.close();
    },
  };
}
