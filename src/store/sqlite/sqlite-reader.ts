/**
 * A read-only SQL connection to a hubbub database, for the operator tools (backup, log verify,
 * export, stats) that run beside a live server. (`restore` alone opens its fresh copy writable,
 * before that copy becomes the database.) It never writes, never migrates and never
 * takes the server's lock: in WAL mode a reader does not block the writer and the writer does
 * not block it, and each `snapshot` sees one consistent state of the log.
 * Opened by bun-sqlite.ts (the one file that imports bun:sqlite).
 */
export type SqlParam = string | number | bigint | null;

export interface SqliteReader {
  all<T>(sql: string, ...params: SqlParam[]): T[];
  get<T>(sql: string, ...params: SqlParam[]): T | undefined;
  /** Row by row, for scans too large to hold. */
  iterate<T>(sql: string, ...params: SqlParam[]): IterableIterator<T>;
  /** Runs `fn` inside one read transaction: every query in it sees the same committed state. */
  snapshot<T>(fn: () => T): T;
  /**
   * `VACUUM INTO path`: a compact copy of the committed state as of its start, written while the
   * server goes on writing. `path` must not exist or be an empty file.
   */
  vacuumInto(path: string): void;
  /** A statement that writes; throws on a read-only connection (every one but restore's fresh copy). */
  run(sql: string, ...params: SqlParam[]): number;
  close(): void;
}
