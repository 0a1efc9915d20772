/**
 * A fresh PostgreSQL database on the test server for real node processes (which take a URL, not a
 * schema): random name, dropped with its sessions by `drop`. PostgreSQL at 127.0.0.1:5432 (or
 * HUBBUB_TEST_PG); unreachable = the test FAILS saying so, never skips.
 */
import { bunSqlClient } from "../../src/store/engine/pg/bun-sql.ts";
import { PG_URL } from "../../src/store/engine/testing/pg.ts";

export interface TestDatabase { url: string; drop(): Promise<void> }

export async function createDatabase(): Promise<TestDatabase> {
  const admin = bunSqlClient({ url: PG_URL, max: 1, applicationName: "hubbub-test-admin" });
  try {
    await admin.query("SELECT 1");
  } catch (e) {
    await admin.close().catch(() => {});
    throw new Error(`PostgreSQL is unreachable at ${PG_URL} (${(e as Error).message}): the cluster tests need it (or HUBBUB_TEST_PG)`);
  }
  const name = `hubbub_c_${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  };
}
