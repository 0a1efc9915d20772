/**
 * The little the PostgreSQL engine needs from a driver: parameterised queries (arrays bind as
 * PostgreSQL arrays), a transaction on one connection, and LISTEN that survives reconnects.
 * The engine is written against this, so drivers can be compared on the very same engine
 * (bench/engine-drivers.bench.ts); production uses Bun.SQL (bun-sql.ts).
 */
export type PgRow = Record<string, unknown>;

/** Runs one statement with positional parameters ($1, $2, …). */
export type PgQuery = (text: string, params?: readonly unknown[]) => Promise<PgRow[]>;

export interface PgClient {
  readonly driver: string;
  query: PgQuery;
  /** BEGIN … COMMIT on one connection; ROLLBACK and rethrow if `fn` throws. */
  begin<T>(fn: (q: PgQuery) => Promise<T>): Promise<T>;
  /**
   * LISTEN on a dedicated connection that is re-established (and re-LISTENed) after it drops;
   * `onListen` runs each time the LISTEN is in place, first and after every reconnect.
   */
  listen(channel: string, onNotify: (payload: string) => void, onListen: () => void): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

export interface PgConnectOptions {
  url: string;
  /** Schema to work in (search_path). */
  schema?: string;
  /** Pool size. */
  max?: number;
  /** Shown in pg_stat_activity: lets an operator (or a test) find this node's connections. */
  applicationName?: string;
  /** Run-time parameters set on every connection, e.g. `{statement_timeout: "5s"}`. */
  settings?: Record<string, string>;
}
