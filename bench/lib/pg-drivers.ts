/**
 * The two other PostgreSQL drivers that run under Bun, as PgClients, so the driver benchmark runs
 * the very same engine (src/store/engine/pg/pg-engine.ts) on each. Production uses Bun.SQL
 * (src/store/engine/pg/bun-sql.ts); these exist only to measure that choice. Their LISTEN is
 * minimal (pg: no reconnect), which the append benchmark does not use.
 */
import pg from "pg";
import postgres from "postgres";
import type { PgClient, PgConnectOptions, PgRow } from "../../src/store/engine/pg/client.ts";

export function postgresJsClient(opts: PgConnectOptions): PgClient {
  const connection: Record<string, string> = { ...opts.settings };
  if (opts.schema) connection.search_path = opts.schema;
  if (opts.applicationName) connection.application_name = opts.applicationName;
  const sql = postgres(opts.url, { max: opts.max ?? 4, connection, onnotice: () => {} });
  type Unsafe = (text: string, params: unknown[], o: { prepare: boolean }) => Promise<PgRow[]>;
  const run = (s: { unsafe: unknown }) => (text: string, params: readonly unknown[] = []) =>
    (s.unsafe as Unsafe)(text, [...params], { prepare: true });
  return {
    driver: "postgres.js",
    query: run(sql),
    begin: (fn) => sql.begin((tx) => fn(run(tx))) as Promise<never>,
    async listen(channel, onNotify, onListen) {
      const r = await sql.listen(channel, onNotify, onListen);
      return { stop: () => r.unlisten() };
    },
    close: () => sql.end(),
  };
}

export function nodePgClient(opts: PgConnectOptions): PgClient {
  const config = {
    connectionString: opts.url, max: opts.max ?? 4, application_name: opts.applicationName,
    options: Object.entries({ ...opts.settings, ...(opts.schema ? { search_path: opts.schema } : {}) })
      .map(([k, v]) => `-c ${k}=${v}`).join(" ") || undefined,
  };
  const pool = new pg.Pool(config);
  pool.on("error", () => {}); // an idle client's error: the next query reports it
  // Named statements, so pg prepares each once per connection as the other two drivers do.
  const names = new Map<string, string>();
  const named = (text: string) => { let n = names.get(text); if (!n) names.set(text, (n = `s${names.size}`)); return n; };
  const on = (c: pg.Pool | pg.PoolClient) => async (text: string, params: readonly unknown[] = []) =>
    (await c.query({ name: named(text), text, values: [...params] })).rows as PgRow[];
  return {
    driver: "pg",
    query: on(pool),
    async begin(fn) {
      const c = await pool.connect();
      try {
        await c.query("BEGIN");
        const out = await fn(on(c));
        await c.query("COMMIT");
        return out;
      } catch (e) {
        await c.query("ROLLBACK").catch(() => {});
        throw e;
      } finally {
        c.release();
      }
    },
    async listen(channel, onNotify, onListen) {
      const c = new pg.Client(config);
      await c.connect();
      c.on("notification", (m) => onNotify(m.payload ?? ""));
      await c.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
      onListen();
      return { stop: () => c.end() };
    },
    close: () => pool.end(),
  };
}
