/** A throw-away PostgreSQL database for a cluster benchmark (HUBBUB_TEST_PG or the local test server). */
import { bunSqlClient } from "../../src/store/engine/pg/bun-sql.ts";
import { PG_URL } from "../../src/store/engine/testing/pg.ts";

export interface BenchDatabase { url: string; drop(): Promise<void> }

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const admin = bunSqlClient({ url: PG_URL, max: 1, applicationName: "hubbub-bench-admin" });
  const name = `hubbub_b_${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (e) {
    await admin.close().catch(() => {});
    throw new Error(`PostgreSQL at ${PG_URL} is needed by the cluster benchmarks: ${(e as Error).message}`);
  }
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await admin.close();
    },
  };
}
