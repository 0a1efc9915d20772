/** 6. Store: appends through the EventLog port vs a raw bun:sqlite prepared insert of the same rows, same settings. */
import { Database } from "bun:sqlite";
import { openEventLog } from "../src/store/open-log.ts";
import type { AppendRequest } from "../src/store/event-log.ts";
import { fmt, fmtSpread, spread, table, type Spread } from "./lib/stats.ts";
import { tempDb } from "./lib/temp.ts";
import { atLeast, type BenchOptions, type Section } from "./lib/section.ts";

const row = (i: number): AppendRequest => ({ stream: `room:r${i % 8}`, kind: "message", author: `u${i % 64}`, body: { text: `message number ${i} with some text` }, cmid: `c-${i}`, at: 1_764_330_000_000 + i });

async function viaPort(batch: number, total: number, synchronous: "NORMAL" | "FULL"): Promise<number> {
  const log = await openEventLog({ path: tempDb(), synchronous });
  let i = 0;
  const t0 = performance.now();
  while (i < total) {
    const reqs: AppendRequest[] = [];
    for (let k = 0; k < batch; k++) reqs.push(row(i++));
    log.append(reqs);
  }
  const rate = total / ((performance.now() - t0) / 1000);
  log.close();
  return rate;
}

function raw(batch: number, total: number, synchronous: "NORMAL" | "FULL"): number {
  const db = new Database(tempDb());
  db.run("PRAGMA journal_mode = WAL");
  db.run(`PRAGMA synchronous = ${synchronous}`);
  db.run("CREATE TABLE events (pos INTEGER PRIMARY KEY, stream TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, author TEXT NOT NULL, at INTEGER NOT NULL, cmid TEXT, body TEXT NOT NULL)");
  db.run("CREATE UNIQUE INDEX events_stream_seq ON events (stream, seq)");
  db.run("CREATE UNIQUE INDEX events_cmid_author ON events (cmid, author) WHERE cmid IS NOT NULL");
  db.run("CREATE INDEX events_kind ON events (kind) WHERE kind <> 'message'");
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

export async function store(o: BenchOptions): Promise<Section> {
  const reps = o.reps ?? (o.quick ? 1 : 3);
  const rows: { sync: string; batch: number; port: Spread; raw: Spread }[] = [];
  for (const sync of ["NORMAL", "FULL"] as const) {
    for (const batch of [1, 100, 1000]) {
      const total = batch === 1 ? (o.quick ? 500 : 3000) : o.quick ? 20_000 : 100_000;
      const p: number[] = [];
      const r: number[] = [];
      for (let k = 0; k < reps; k++) { r.push(raw(batch, total, sync)); p.push(await viaPort(batch, total, sync)); }
      rows.push({ sync, batch, port: spread(p), raw: spread(r) });
    }
  }
  return {
    name: "store", title: "6. Store: append throughput",
    markdown: `Rows per second, WAL mode, ${reps} runs each. "raw" is a bun:sqlite prepared INSERT of the same rows into the same table and indexes, with seqs kept in a Map — the least a log can do.\n\n` +
      table(["synchronous", "batch", "through the port (rows/s)", "raw bun:sqlite (rows/s)", "port / raw"],
        rows.map((x) => [x.sync, fmt(x.batch), fmtSpread(x.port), fmtSpread(x.raw), fmt(x.port.median / x.raw.median, 2)])),
    json: rows,
    goals: rows.filter((x) => x.batch === 1000).map((x) => atLeast(`store, synchronous=${x.sync}, batch 1000: port ≥ 0.7× raw bun:sqlite`, x.port.median / x.raw.median, 0.7)),
  };
}
