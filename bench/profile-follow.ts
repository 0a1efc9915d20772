/**
 * `bun bench/profile-follow.ts`: in-process CPU cost of a cluster node's per-event work, the pieces
 * behind the cluster-fanout ratio (bench/results/analysis.md, "Cluster fan-out: where a node's
 * time goes"). CPU time (process.cpuUsage), so a busy machine inflates every row alike: compare
 * rows of one run only.
 *
 * 1. The replica's INSERT alone (bun:sqlite, WAL): today's three indexes, one multi-row statement
 *    per batch, without the cmid index, synchronous OFF.
 * 2. hub.applyFollowed per event (a no-op fan-out): replica append against the commit path.
 * 3. The PostgreSQL engine (needs HUBBUB_TEST_PG or 127.0.0.1:5432): client CPU per append
 *    transaction (unguarded, and with the membership guard the cluster sends) and per read, as a
 *    writer and a tailer pay it, and per commit taken from its NOTIFY instead (parseHint).
 */
import { Database } from "bun:sqlite";
import { openBunSqliteLog } from "../src/store/sqlite/bun-sqlite.ts";
import { rebuild } from "../src/projections/snapshot.ts";
import { Hub } from "../src/actors/hub.ts";
import { DEFAULTS } from "../src/server/config.ts";
import { createAuthenticator } from "../src/server/auth.ts";
import { silentLogger } from "../src/observability/log.ts";
import type { AppendRequest, StoredEvent } from "../src/store/event-log.ts";
import { createPgSchema } from "../src/store/engine/testing/pg.ts";
import { parseHint } from "../src/store/engine/pg/pg-engine.ts";
import type { Fanout } from "../src/fanout/ports.ts";
import { ownCpuSeconds } from "./lib/proc.ts";
import { removeTempDbs, tempDb } from "./lib/temp.ts";

const cpuMs = () => ownCpuSeconds() * 1e3;
const TEXT = `${"x".repeat(79)} hello from u12 at 123456`;
let cmidN = 0;
const cmid = () => `0${Date.now().toString(36)}${(cmidN++).toString(36).padStart(8, "0")}`;

function sqliteInsert(label: string, indexes: string[], batch: number, multi: boolean, sync: string): void {
  const db = new Database(tempDb(), { create: true });
  db.run("PRAGMA journal_mode = WAL");
  db.run(`PRAGMA synchronous = ${sync}`);
  db.run("CREATE TABLE events (pos integer PRIMARY KEY NOT NULL, stream text NOT NULL, seq integer NOT NULL, kind text NOT NULL, author text NOT NULL, at integer NOT NULL, cmid text, body text NOT NULL)");
  for (const i of indexes) db.run(i);
  const cols = "INSERT INTO events (pos, stream, seq, kind, author, at, cmid, body) VALUES ";
  const one = db.prepare(`${cols}(?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`);
  const many = db.prepare(`${cols}${Array(batch).fill("(?,?,?,?,?,?,?,?)").join(",")} ON CONFLICT DO NOTHING`);
  const body = JSON.stringify({ text: TEXT });
  let pos = 1;
  const tx = db.transaction(() => {
    if (multi) {
      const ps: (string | number)[] = [];
      for (let i = 0; i < batch; i++, pos++) ps.push(pos, "room:bench", pos, "message", `u${pos % 256}`, Date.now(), cmid(), body);
      many.run(...ps);
    } else {
      for (let i = 0; i < batch; i++, pos++) one.run(pos, "room:bench", pos, "message", `u${pos % 256}`, Date.now(), cmid(), body);
    }
  });
  for (let k = 0; k < 2000; k += batch) tx.immediate();
  const n = 40_000, c0 = cpuMs();
  for (let k = 0; k < n; k += batch) tx.immediate();
  console.log(`  ${label.padEnd(40)} batch ${String(batch).padStart(2)}: ${((1000 * (cpuMs() - c0)) / n).toFixed(2)} µs/event`);
  db.close();
}

function applyFollowedSplit(batch: number): void {
  const log = openBunSqliteLog({ path: tempDb(), synchronous: "NORMAL" });
  const { projection } = rebuild(log);
  const config = { ...DEFAULTS, snapshotEvery: 0 };
  const noFanout: Fanout = { publish() {}, subscribe() {}, unsubscribe() {}, release() {}, subscriberCount: () => 0 };
  const hub = new Hub(log, projection, noFanout, config, createAuthenticator(config), silentLogger);
  hub.addConnection({ encoding: "json" } as Parameters<Hub["addConnection"]>[0]); // someone speaks JSON: frames are encoded
  let inAppend = 0;
  const append = log.append.bind(log);
  log.append = (r: AppendRequest[]) => { const c = cpuMs(); try { return append(r); } finally { inAppend += cpuMs() - c; } };
  const joins: StoredEvent[] = [];
  for (let i = 0; i < 256; i++) joins.push({ stream: "room:bench", seq: i + 1, pos: i + 1, at: 1, author: `u${i}`, kind: "joined", body: {} });
  hub.applyFollowed(joins);
  let pos = 257;
  const batches: StoredEvent[][] = [];
  for (let k = 0; k < 44_000; k += batch) {
    const b: StoredEvent[] = [];
    for (let i = 0; i < batch; i++, pos++) b.push({ stream: "room:bench", seq: pos, pos, at: Date.now(), author: `u${pos % 256}`, kind: "message", body: { text: TEXT }, cmid: cmid() });
    batches.push(b);
  }
  for (const b of batches.slice(0, 500)) hub.applyFollowed(b);
  inAppend = 0;
  const rest = batches.slice(500), n = rest.length * batch, c0 = cpuMs();
  for (const b of rest) hub.applyFollowed(b);
  const total = cpuMs() - c0;
  console.log(`  batch ${String(batch).padStart(2)}: ${((1000 * total) / n).toFixed(2)} µs/event = replica append ${((1000 * inAppend) / n).toFixed(2)} + commit path ${((1000 * (total - inAppend)) / n).toFixed(2)}`);
  log.close();
}

async function pgEngine(): Promise<void> {
  const s = await createPgSchema();
  try {
    const e = await s.open();
    const mk = (i: number) => ({ stream: "room:bench", kind: "message" as const, author: `u${i % 256}`, body: { text: TEXT }, at: Date.now(), cmid: cmid() });
    for (let i = 0; i < 500; i++) await e.append(Array.from({ length: 8 }, (_, k) => mk(i * 8 + k)));
    const txs = 2000, c0 = cpuMs();
    for (let i = 0; i < txs; i++) await e.append(Array.from({ length: 8 }, (_, k) => mk(i * 8 + k)));
    const perTx = (1000 * (cpuMs() - c0)) / txs;
    console.log(`  append, 8 messages per transaction: ${perTx.toFixed(0)} µs per transaction, ${(perTx / 8).toFixed(1)} µs per event`);
    const member = (i: number) => ({ scope: "room:bench", key: `u${i % 256}` });
    await e.append(Array.from({ length: 256 }, (_, i) => ({ ...mk(i), kind: "joined" as const, body: {}, cmid: undefined, effects: { add: [member(i)] } })));
    const c2 = cpuMs();
    for (let i = 0; i < txs; i++) await e.append(Array.from({ length: 8 }, (_, k) => ({ ...mk(i * 8 + k), guard: { require: [member(i * 8 + k)] } })));
    const perGuarded = (1000 * (cpuMs() - c2)) / txs;
    console.log(`  append, 8 membership-guarded messages per transaction: ${perGuarded.toFixed(0)} µs per transaction, ${(perGuarded / 8).toFixed(1)} µs per event`);
    // What a follower pays instead of a read when the commit's NOTIFY carries its events.
    const page = await e.readAfter(1000, 8);
    const payload = `${page.at(-1)!.pos} ${JSON.stringify(page.map((x) => [x.pos, x.stream, x.seq, x.kind, x.author, x.at, x.cmid ?? null, x.body]))}`;
    const hints = 200_000, c3 = cpuMs();
    for (let i = 0; i < hints; i++) parseHint(payload);
    const perHint = (1000 * (cpuMs() - c3)) / hints;
    console.log(`  parseHint, 8 events per NOTIFY: ${perHint.toFixed(1)} µs per commit, ${(perHint / 8).toFixed(2)} µs per event`);
    for (const b of [1, 8, 32]) {
      const reads = Math.floor(16_000 / b), c1 = cpuMs();
      let pos = 0;
      for (let i = 0; i < reads; i++) pos += (await e.readAfter(pos, b)).length;
      const perRead = (1000 * (cpuMs() - c1)) / reads;
      console.log(`  readAfter, ${String(b).padStart(2)} events per read: ${perRead.toFixed(1)} µs per read, ${(perRead / b).toFixed(2)} µs per event`);
    }
  } finally {
    await s.dispose();
  }
}

const IDX = {
  streamSeq: "CREATE UNIQUE INDEX events_stream_seq ON events (stream, seq)",
  cmid: "CREATE UNIQUE INDEX events_cmid_author ON events (cmid, author) WHERE cmid IS NOT NULL",
  kind: "CREATE INDEX events_kind ON events (kind) WHERE kind <> 'message'",
};
try {
  console.log("1. replica INSERT alone (bun:sqlite, WAL), CPU per event:");
  for (const b of [1, 8, 32]) {
    sqliteInsert("3 indexes, a run() per row (today)", Object.values(IDX), b, false, "NORMAL");
    sqliteInsert("3 indexes, one multi-row INSERT", Object.values(IDX), b, true, "NORMAL");
    sqliteInsert("without the cmid index", [IDX.streamSeq, IDX.kind], b, false, "NORMAL");
    sqliteInsert("3 indexes, synchronous OFF", Object.values(IDX), b, false, "OFF");
  }
  console.log("2. hub.applyFollowed, CPU per event (no-op fan-out):");
  for (const b of [1, 8, 32]) applyFollowedSplit(b);
  console.log("3. PostgreSQL engine, client CPU:");
  await pgEngine();
} finally {
  removeTempDbs();
}
process.exit(0);
