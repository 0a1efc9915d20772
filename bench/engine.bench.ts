/**
 * 7. Engine: the cluster's storage (src/store/engine/), in two parts.
 * (a) Group commit: events/s appended through the engine port at 1, 100 and 1,000 events per
 *     transaction — the SQLite engine (bun:sqlite, synchronous=FULL) against the PostgreSQL engine
 *     on each driver that runs under Bun (Bun.SQL, postgres.js, pg), the same engine code on each,
 *     interleaved rounds in one run. Ratios against the SQLite engine, and against Bun.SQL.
 * (b) Commit → seen by a tailer of ANOTHER engine instance, at a paced 2,000 events/s offered to
 *     a writer that commits like the Journal (one transaction in flight; each takes everything that
 *     arrived meanwhile, up to 1,000): p50/p99 from the writer's ack to the tailer's delivery, and
 *     from the event's arrival to the tailer's delivery.
 * PostgreSQL: HUBBUB_TEST_PG or postgres://postgres@127.0.0.1:5432/test, a throw-away schema each.
 */
import { openBunSqliteEngine } from "../src/store/sqlite/bun-sqlite.ts";
import type { Engine, EngineRequest, StoredEvent } from "../src/store/engine/engine.ts";
import { bunSqlClient } from "../src/store/engine/pg/bun-sql.ts";
import type { PgClient, PgConnectOptions } from "../src/store/engine/pg/client.ts";
import { startTailer } from "../src/store/engine/tailer.ts";
import { createPgSchema, PG_URL } from "../src/store/engine/testing/pg.ts";
import { nodePgClient, postgresJsClient } from "./lib/pg-drivers.ts";
import type { BenchOptions, Section } from "./lib/section.ts";
import { fmt, fmtSpread, percentile, spread, table } from "./lib/stats.ts";
import { tempDb } from "./lib/temp.ts";

interface Store { open(): Promise<Engine>; dispose(): Promise<void> }
interface Config { name: string; create(): Promise<Store> }

const sqlite: Config = {
  name: "SQLite engine (bun:sqlite, FULL, WAL)",
  async create() {
    const path = tempDb();
    const opened: Engine[] = [];
    return {
      async open() { const e = openBunSqliteEngine({ path, synchronous: "FULL" }); opened.push(e); return e; },
      async dispose() { for (const e of opened) await e.close(); },
    };
  },
};

const postgresWith = (name: string, client: (o: PgConnectOptions) => PgClient, settings?: Record<string, string>): Config => ({
  name: `PostgreSQL engine, ${name}`,
  async create() {
    const s = await createPgSchema();
    return { open: () => s.open({ client, max: 2, settings }), dispose: () => s.dispose() };
  },
});

const DRIVERS: [string, (o: PgConnectOptions) => PgClient][] = [
  ["Bun.SQL (built in)", bunSqlClient], ["postgres.js 3.4.9", postgresJsClient], ["pg 8.23.1", nodePgClient],
];
const CONFIGS: Config[] = [sqlite, ...DRIVERS.map(([n, c]) => postgresWith(n, c))];
/** The same drivers with the commit's WAL flush taken out of the wait, so the client's own cost shows. */
const NO_FSYNC: Config[] = DRIVERS.map(([n, c]) => postgresWith(`${n}, synchronous_commit=off`, c, { synchronous_commit: "off" }));
const BATCHES = [1, 100, 1000];

/** Chat-shaped requests: 100 rooms, 64 authors, ~180-byte events, time-ordered unique cmids. */
const request = (i: number, tag: string): EngineRequest => ({
  stream: `room:r${i % 100}`, kind: "message", author: `u${i % 64}`,
  body: { text: `message number ${i} with some text to make it chat-sized` },
  cmid: `${tag}${String(i).padStart(10, "0")}`, at: 1_764_330_000_000 + i,
});

interface Throughput { eventsPerS: number; txP50: number; txP99: number; cpuUsPerEvent: number }

async function throughput(cfg: Config, batch: number, seconds: number): Promise<Throughput> {
  const store = await cfg.create();
  try {
    const e = await store.open();
    const tx: number[] = [];
    let i = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    while (performance.now() < end) {
      const reqs: EngineRequest[] = [];
      for (let k = 0; k < batch; k++) reqs.push(request(i++, "t"));
      const t = performance.now();
      await e.append(reqs);
      tx.push(performance.now() - t);
    }
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    tx.sort((a, b) => a - b);
    return { eventsPerS: i / elapsed, txP50: percentile(tx, 50), txP99: percentile(tx, 99), cpuUsPerEvent: (cpu.user + cpu.system) / i };
  } finally {
    await store.dispose();
  }
}

interface TailRun { events: number; commits: number; ackToSeen: number[]; arrivalToSeen: number[]; maxBatch: number }

/** Part (b): paced writer on one instance, tailer on another, until `seconds` of arrivals are in. */
async function tailLatency(cfg: Config, rate: number, seconds: number): Promise<TailRun> {
  const store = await cfg.create();
  try {
    const writer = await store.open();
    const follower = await store.open();
    const total = Math.round(rate * seconds);
    const arrival = new Float64Array(total);
    const acked = new Float64Array(total);
    const seen = new Float64Array(total);
    let seenCount = 0;
    const index = (ev: StoredEvent) => Number(ev.cmid!.slice(1));
    const tailer = startTailer(follower, {
      afterPos: 0, pollMs: 250,
      onBatch: (events) => {
        const now = performance.now();
        for (const ev of events) { seen[index(ev)] = now; seenCount++; }
      },
    });
    let allSeen!: () => void;
    const done = new Promise<void>((r) => { allSeen = r; });
    const check = setInterval(() => { if (seenCount >= total) allSeen(); }, 5);
    const giveUp = setTimeout(allSeen, 30_000); // then the count check below reports what is missing
    const t0 = performance.now();
    for (let i = 0; i < total; i++) arrival[i] = t0 + (i * 1000) / rate;
    let sent = 0, commits = 0, maxBatch = 0;
    while (sent < total) {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - t0) * rate) / 1000) + 1);
      if (due <= sent) { await Bun.sleep(Math.max(0, arrival[sent]! - now)); continue; }
      const n = Math.min(1000, due - sent);
      const reqs: EngineRequest[] = [];
      for (let k = 0; k < n; k++) reqs.push(request(sent + k, "p"));
      await writer.append(reqs);
      const ack = performance.now();
      for (let k = 0; k < n; k++) acked[sent + k] = ack;
      sent += n; commits++; maxBatch = Math.max(maxBatch, n);
      // One commit per event-loop turn, as the Journal does: the SQLite engine's append completes
      // synchronously, and without this turn the timers (the tailer's wake-ups) would starve.
      await new Promise<void>((r) => setImmediate(r));
    }
    await done;
    clearInterval(check);
    clearTimeout(giveUp);
    await tailer.stop();
    const ackToSeen: number[] = [], arrivalToSeen: number[] = [];
    for (let i = 0; i < total; i++) {
      if (!seen[i]) continue;
      ackToSeen.push(seen[i]! - acked[i]!);
      arrivalToSeen.push(seen[i]! - arrival[i]!);
    }
    if (ackToSeen.length < total) throw new Error(`tailer saw ${ackToSeen.length} of ${total} events`);
    return { events: total, commits, ackToSeen: ackToSeen.sort((a, b) => a - b), arrivalToSeen: arrivalToSeen.sort((a, b) => a - b), maxBatch };
  } finally {
    await store.dispose();
  }
}

async function serverSettings(): Promise<string> {
  const c = bunSqlClient({ url: PG_URL, max: 1 });
  try {
    const [v] = await c.query("SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS sc, current_setting('fsync') AS f, current_setting('wal_sync_method') AS w");
    return `PostgreSQL ${v!.v} on ${new URL(PG_URL).host} (synchronous_commit=${v!.sc}, fsync=${v!.f}, wal_sync_method=${v!.w})`;
  } finally { await c.close(); }
}

export async function engine(o: BenchOptions): Promise<Section> {
  const reps = o.reps ?? 2;
  const seconds = o.quick ? 0.3 : 1.5;
  const settings = await serverSettings();
  // Interleaved: round r runs every config at every batch size before round r + 1 starts.
  const runs = new Map<string, Record<keyof Throughput, number[]>>();
  const all = [...CONFIGS, ...NO_FSYNC];
  for (let r = 0; r < reps; r++) {
    for (const batch of BATCHES) {
      for (const cfg of all) {
        process.stderr.write(`  engine: ${cfg.name}, batch ${batch}, round ${r + 1}\n`);
        const m = await throughput(cfg, batch, seconds);
        const key = `${cfg.name}|${batch}`;
        const slot = runs.get(key) ?? { eventsPerS: [], txP50: [], txP99: [], cpuUsPerEvent: [] };
        for (const k of Object.keys(slot) as (keyof Throughput)[]) slot[k].push(m[k]);
        runs.set(key, slot);
      }
    }
  }
  const med = (cfg: Config, batch: number, k: keyof Throughput = "eventsPerS") => spread(runs.get(`${cfg.name}|${batch}`)![k]).median;
  const rowsFor = (configs: Config[], base: Config | undefined, bunSql: Config) => BATCHES.flatMap((batch) => configs.map((cfg) => {
    const slot = runs.get(`${cfg.name}|${batch}`)!;
    return [cfg.name, fmt(batch), fmtSpread(spread(slot.eventsPerS)),
      ...(base ? [fmt(med(cfg, batch) / med(base, batch), 3)] : []),
      cfg === sqlite ? "–" : fmt(med(cfg, batch) / med(bunSql, batch), 2),
      `${fmt(spread(slot.txP50).median, 2)} / ${fmt(spread(slot.txP99).median, 2)}`,
      fmt(med(cfg, batch, "cpuUsPerEvent"), 1)];
  }));
  const appendRows = rowsFor(CONFIGS, sqlite, CONFIGS[1]!);
  const noFsyncRows = rowsFor(NO_FSYNC, undefined, NO_FSYNC[0]!);

  const rate = 2000;
  const tailSeconds = o.quick ? 1 : 6;
  const tails: [Config, TailRun][] = [];
  for (const cfg of [CONFIGS[1]!, sqlite]) {
    process.stderr.write(`  engine: tail latency, ${cfg.name}\n`);
    tails.push([cfg, await tailLatency(cfg, rate, tailSeconds)]);
  }
  const tailRows = tails.map(([cfg, t]) => [
    cfg.name, fmt(t.events), fmt(t.events / t.commits, 1), fmt(t.maxBatch),
    `${fmt(percentile(t.ackToSeen, 50), 2)} / ${fmt(percentile(t.ackToSeen, 99), 2)}`,
    `${fmt(percentile(t.arrivalToSeen, 50), 2)} / ${fmt(percentile(t.arrivalToSeen, 99), 2)}`,
  ]);

  const markdown = `${settings}. Each cell: a fresh schema (or SQLite file), one engine instance appending ${seconds} s in a loop, one transaction per batch; median (min–max) of ${reps} interleaved rounds. Events: 100 rooms, 64 authors, ~180 bytes, unique time-ordered cmids (so the idempotency lookup runs for every event).\n\n` +
    table(["engine / driver", "events per transaction", "events/s", "× SQLite engine", "× Bun.SQL", "transaction ms p50 / p99", "client CPU µs per event"], appendRows) +
    `\n\nThe drivers again with \`synchronous_commit=off\` for the session (NOT how the engine runs: an acknowledged commit could be lost in a crash), so the commit does not wait for the WAL flush and the drivers' own cost is not hidden behind the disk:\n\n` +
    table(["engine / driver", "events per transaction", "events/s", "× Bun.SQL", "transaction ms p50 / p99", "client CPU µs per event"], noFsyncRows) +
    `\n\nCommit → seen by a tailer on another engine instance (its own connections; PostgreSQL: LISTEN/NOTIFY wake-up, 250 ms poll fallback; SQLite: data_version polled every 5 ms), ${fmt(rate)} events/s offered for ${tailSeconds} s to a writer that commits like the Journal (one transaction in flight, each taking what arrived meanwhile). "ack → seen" can be negative: the tailer may see an event before the writer has its commit's reply.\n\n` +
    table(["engine", "events", "events per transaction (mean)", "largest", "ack → seen ms p50 / p99", "arrival → seen ms p50 / p99"], tailRows);
  return {
    name: "engine", title: "7. Engine: group commit into PostgreSQL vs SQLite, drivers, and commit → tailer latency",
    markdown,
    json: { settings, seconds, reps, append: Object.fromEntries(runs), tail: tails.map(([c, t]) => ({ engine: c.name, events: t.events, commits: t.commits, maxBatch: t.maxBatch, ackToSeen: { p50: percentile(t.ackToSeen, 50), p99: percentile(t.ackToSeen, 99) }, arrivalToSeen: { p50: percentile(t.arrivalToSeen, 50), p99: percentile(t.arrivalToSeen, 99) } })) },
  };
}
