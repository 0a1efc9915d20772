/**
 * The store benchmark's work, runtime-neutral: the same rows appended through the EventLog port
 * and through a raw prepared INSERT, for any SQLite driver with the bun:sqlite/better-sqlite3
 * API. store.bench.ts runs it under Bun (bun:sqlite); store-node.ts under Node (better-sqlite3).
 */
import type { AppendRequest, EventLog } from "../../src/store/event-log.ts";
import { tempDb } from "./temp.ts";

export type Sync = "NORMAL" | "FULL";

/** What bun:sqlite and better-sqlite3 share, as far as the raw baseline needs it. */
export interface RawDb {
  exec(sql: string): unknown;
  prepare(sql: string): { run(...params: (string | number | null)[]): unknown };
  transaction<A extends unknown[]>(fn: (...args: A) => void): { immediate(...args: A): void };
  close(): unknown;
}

export interface StoreRow { adapter: string; sync: Sync; batch: number; port: number[]; raw: number[] }

export const BATCHES = [1, 100, 1000] as const;

/** Rows shaped like chat: 8 rooms, 64 authors, cmids that grow with time as newCmid's do. */
export const row = (i: number): AppendRequest => ({
  stream: `room:r${i % 8}`, kind: "message", author: `u${i % 64}`, body: { text: `message number ${i} with some text` },
  cmid: `c${String(i).padStart(10, "0")}`, at: 1_764_330_000_000 + i,
});

export const totalFor = (batch: number, quick: boolean): number =>
  batch === 1 ? (quick ? 500 : 3000) : quick ? 20_000 : 100_000;

/** Appends `total` rows through the port, `batch` per call (one transaction each); rows/s. */
export function portAppends(log: EventLog, batch: number, total: number): number {
  let i = 0;
  const t0 = performance.now();
  while (i < total) {
    const reqs: AppendRequest[] = [];
    for (let k = 0; k < batch; k++) reqs.push(row(i++));
    log.append(reqs);
  }
  return total / ((performance.now() - t0) / 1000);
}

/** The least a log can do: the same rows into the same table and indexes, seqs kept in a Map; rows/s. */
export function rawAppends(db: RawDb, batch: number, total: number, sync: Sync): number {
  db.exec("PRAGMA journal_mode = WAL");
  db.exec(`PRAGMA synchronous = ${sync}`);
  db.exec("CREATE TABLE events (pos INTEGER PRIMARY KEY, stream TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, author TEXT NOT NULL, at INTEGER NOT NULL, cmid TEXT, body TEXT NOT NULL)");
  db.exec("CREATE UNIQUE INDEX events_stream_seq ON events (stream, seq)");
  db.exec("CREATE UNIQUE INDEX events_cmid_author ON events (cmid, author) WHERE cmid IS NOT NULL");
  db.exec("CREATE INDEX events_kind ON events (kind) WHERE kind <> 'message'");
  const ins = db.prepare("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  const heads = new Map<string, number>();
  const tx = db.transaction((from: number, n: number) => {
    for (let i = from; i < from + n; i++) {
      const r = row(i);
      const seq = (heads.get(r.stream) ?? 0) + 1;
      heads.set(r.stream, seq);
      ins.run(i + 1, r.stream, seq, r.kind, r.author, r.at, r.cmid!, JSON.stringify(r.body));
    }
  });
  const t0 = performance.now();
  for (let i = 0; i < total; i += batch) tx.immediate(i, batch);
  const rate = total / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}

/** Every synchronous mode × batch size for one SQLite adapter, raw and port taking turns. */
export async function measureSqliteAdapter(
  adapter: string, openLog: (path: string, sync: Sync) => Promise<EventLog>, openRaw: (path: string) => RawDb, reps: number, quick: boolean,
): Promise<StoreRow[]> {
  const rows: StoreRow[] = [];
  for (const sync of ["NORMAL", "FULL"] as const) {
    for (const batch of BATCHES) {
      const total = totalFor(batch, quick);
      const port: number[] = [];
      const raw: number[] = [];
      const viaPort = async () => {
        const log = await openLog(tempDb(), sync);
        port.push(portAppends(log, batch, total));
        log.close();
      };
      // Which goes first alternates, so neither always meets a cold or a warm disk.
      for (let k = 0; k < reps; k++) {
        if (k % 2 === 1) await viaPort();
        raw.push(rawAppends(openRaw(tempDb()), batch, total, sync));
        if (k % 2 === 0) await viaPort();
      }
      rows.push({ adapter, sync, batch, port, raw });
    }
  }
  return rows;
}
