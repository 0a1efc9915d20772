/** The PgClient on Bun's built-in PostgreSQL driver (Bun.SQL): the only file that imports it. */
import { SQL } from "bun";
import type { PgClient, PgConnectOptions, PgRow } from "./client.ts";

export function bunSqlClient(opts: PgConnectOptions): PgClient {
  const connection: Record<string, string> = { ...opts.settings };
  if (opts.schema) connection.search_path = opts.schema;
  if (opts.applicationName) connection.application_name = opts.applicationName;
  const sql = new SQL({ url: opts.url, max: opts.max ?? 4, connection, prepare: true });
  // unsafe() with values: the statement text is ours (constants built once), never user input.
  const run = (s: SQL) => async (text: string, params: readonly unknown[] = []) =>
    (await s.unsafe(text, params as unknown[])) as PgRow[];
  const query = run(sql);
  return {
    driver: "Bun.SQL",
    query,
    begin: (fn) => sql.begin((tx) => fn(run(tx))),
    async listen(channel, onNotify, onListen) {
      const sub = await sql.listen(channel, onNotify, onListen);
      return { stop: () => sub.unlisten() };
    },
    close: () => sql.close(),
  };
}
