/**
 * 9. Cluster scale (issue 10): what more nodes buy, measured.
 *
 * `cluster-fanout`: N = 64 clients in one room, spread evenly over the nodes, each keeping 4 of
 * its own messages in flight (as the fan-out benchmark at N = 64). One SQLite node, then 2 and 4
 * nodes on one PostgreSQL, in rounds (each round starts every setup afresh, a new database each).
 * Deliveries per server CPU-second counts the CPU of ALL nodes together; PostgreSQL's own CPU is
 * reported beside it, not in it (the issue's target is the nodes' overhead per delivery).
 *
 * `cluster-100k`: 100,000 connections measured, not extrapolated: as many nodes as the open-file
 * limit needs (16,000 sockets each), a load-generator process per node (bench/lib/conn-worker.ts),
 * every connection a user of its own, hello'd and joined to a room of 100. Total server RSS,
 * connect rate (hello + join acked), idle CPU of all nodes (silent clients, the server's heartbeat), and one
 * operator broadcast: time from the POST to the last of the 100,000 deliveries.
 */
import type { Subprocess } from "bun";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newCounters, openClient, padFor, type Client } from "./lib/loadgen.ts";
import { createPgDatabase, type PgTestDatabase } from "../src/store/engine/testing/pg.ts";
import { cpuSeconds, machineBusySeconds, memory, ownCpuSeconds, spawnServer, type ServerProc } from "./lib/proc.ts";
import { atLeast, atMost, type BenchOptions, type Section } from "./lib/section.ts";
import { fmt, fmtSpread, spread, table } from "./lib/stats.ts";
import { HUBBUB_READY, NO_LIMITS, cpuProf } from "./lib/targets.ts";
import { GC_PRELOAD, gcReading } from "./lib/gc-reading.ts";
import { tempDb } from "./lib/temp.ts";

const OPEN = ["--port", "0", ...NO_LIMITS, "--log-level", "warn"];
const TEXT = padFor(100);

export interface Setup { name: string; nodes: number; store: "sqlite" | "postgres" }
export const SETUPS: Setup[] = [
  { name: "one SQLite node", nodes: 1, store: "sqlite" },
  { name: "2 nodes on PostgreSQL", nodes: 2, store: "postgres" },
  { name: "4 nodes on PostgreSQL", nodes: 4, store: "postgres" },
];

export interface SetupOptions {
  /** More server flags, for every node. */
  extra?: string[];
  /** One file per node: each node runs with bench/lib/gc-on-signal.ts preloaded and reports there (gcReading). */
  gcReports?: string[];
  /** More environment for every node (bench/profile-cluster.ts's variants). */
  env?: Record<string, string>;
  /** The checkout whose src/main.ts runs (default: this one). */
  cwd?: string;
}

/** Starts a setup: one plain SQLite node, or `nodes` cluster nodes on a fresh database. */
export async function startSetup(s: Setup, { extra = [], gcReports, env = {}, cwd }: SetupOptions = {}): Promise<{ procs: ServerProc[]; db?: PgTestDatabase; stop(): Promise<void> }> {
  const procs: ServerProc[] = [];
  const db = s.store === "postgres" ? await createPgDatabase() : undefined;
  const stop = async () => {
    for (const p of procs) await p.stop().catch(() => {});
    await db?.drop();
  };
  try {
    for (let i = 0; i < s.nodes; i++) {
      const cluster = db ? ["--store", db.url, "--node-id", `s${i + 1}`] : [];
      const gc = gcReports ? ["--preload", GC_PRELOAD] : [];
      const nodeEnv = gcReports ? { ...env, GC_REPORT: gcReports[i]! } : env;
      procs.push(await spawnServer([process.execPath, ...cpuProf(), "run", ...gc, "src/main.ts", ...OPEN, "--db", tempDb(), ...cluster, ...extra], HUBBUB_READY, nodeEnv, cwd));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { procs, db, stop };
}

export interface FanoutRun { deliveriesPerSec: number; perServerCpu: number; postgresPct: number }

/**
 * Saturates the room for `seconds` after a warm-up (BENCH_WARMUP_S, default 1 s); counts
 * deliveries and the nodes' CPU. `measuring` is told when the measured window starts and ends
 * (bench/profile-cluster.ts reads per-process counters and runs `perf` there).
 */
export async function saturate(procs: ServerProc[], n: number, window: number, seconds: number, run: string, measuring?: (on: boolean) => void | Promise<void>): Promise<FanoutRun> {
  const c = newCounters(1);
  const outstanding = new Int32Array(n);
  let sending = true;
  const clients: Client[] = [];
  const send = (id: number) => { outstanding[id]! += 1; clients[id]!.send(); };
  for (let id = 0; id < n; id++) {
    clients.push(await openClient(procs[id % procs.length]!.port, { kind: "hubbub", encoding: "json" }, id, run, c, () => {
      outstanding[id]! -= 1;
      if (sending) send(id);
    }, TEXT));
  }
  for (let id = 0; id < n; id++) for (let k = 0; k < window; k++) send(id);
  await Bun.sleep(Number(process.env.BENCH_WARMUP_S ?? 1) * 1000); // warm-up
  const cpu0 = procs.reduce((a, p) => a + cpuSeconds(p.pid), 0);
  const busy0 = machineBusySeconds();
  const own0 = ownCpuSeconds();
  const t0 = performance.now();
  c.recording = true;
  c.windowDeliveries = 0;
  await measuring?.(true);
  await Bun.sleep(seconds * 1000);
  await measuring?.(false);
  c.recording = false;
  const wall = (performance.now() - t0) / 1000;
  const delivered = c.windowDeliveries;
  const nodesCpu = procs.reduce((a, p) => a + cpuSeconds(p.pid), 0) - cpu0;
  const others = machineBusySeconds() - busy0 - nodesCpu - (ownCpuSeconds() - own0);
  sending = false;
  // Everything sent arrives before the clients go (nothing may be lost on the way out either).
  const deadline = Date.now() + 30_000;
  while (c.received < c.sent * n && Date.now() < deadline) await Bun.sleep(20);
  if (c.received < c.sent * n) throw new Error(`${run}: ${c.sent * n - c.received} deliveries missing`);
  for (const cl of clients) cl.close();
  return { deliveriesPerSec: delivered / wall, perServerCpu: delivered / Math.max(nodesCpu, 0.01), postgresPct: (Math.max(0, others) / wall) * 100 };
}

export async function clusterFanout(o: BenchOptions): Promise<Section> {
  const n = Number(process.env.BENCH_CLUSTER_N ?? 256), window = Math.max(1, Math.round(256 / n));
  const seconds = o.quick ? 1 : 3;
  const reps = o.reps ?? (o.quick ? 1 : 3);
  const runs = new Map<string, FanoutRun[]>(SETUPS.map((s) => [s.name, []]));
  const ratios = new Map<string, number[]>(SETUPS.slice(1).map((s) => [s.name, []]));
  for (let r = 0; r < reps; r++) {
    const round: Record<string, FanoutRun> = {};
    for (const s of SETUPS) {
      const setup = await startSetup(s);
      try {
        round[s.name] = await saturate(setup.procs, n, window, seconds, `r${r}-${s.nodes}`);
      } finally {
        await setup.stop();
      }
      runs.get(s.name)!.push(round[s.name]!);
    }
    for (const s of SETUPS.slice(1)) ratios.get(s.name)!.push(round[s.name]!.perServerCpu / round[SETUPS[0]!.name]!.perServerCpu);
  }
  const ratioOf = (name: string) => spread(ratios.get(name)!);
  const rows = SETUPS.map((s) => {
    const rs = runs.get(s.name)!;
    const ratio = s.nodes === 1 ? "1.00" : fmtSpread(ratioOf(s.name), 2);
    return [s.name, fmtSpread(spread(rs.map((x) => x.deliveriesPerSec))), fmtSpread(spread(rs.map((x) => x.perServerCpu))), ratio, fmt(spread(rs.map((x) => x.postgresPct)).median)];
  });
  const two = ratioOf(SETUPS[1]!.name), four = ratioOf(SETUPS[2]!.name);
  return {
    name: "cluster-fanout", title: `9a. Cluster: fan-out per server CPU-second with 1, 2 and 4 nodes (N = ${n})`,
    markdown: `${n} clients in one room, spread evenly over the nodes, each keeping ${window} of its own 100-character messages in flight (JSON); ${reps} round(s) of ${seconds} s saturated after a 1 s warm-up, each round starting every setup afresh (a new PostgreSQL database per cluster setup). "Per server CPU-s" divides the deliveries by the CPU of all nodes together; "× one node" is that per round against the single SQLite node of the same round (median, min–max). PostgreSQL's CPU (everything on the machine but the nodes and the load generator) is shown beside it, not counted in it. On this 2-core machine more nodes cannot add cores: the ratio shows what a delivery costs in a cluster, which is what decides whether throughput grows with cores.\n\n` +
      table(["setup", "deliveries/s", "deliveries per server CPU-s", "× one node, per round", "PostgreSQL and others, % of a core"], rows),
    json: Object.fromEntries([...runs].map(([k, v]) => [k, { runs: v, ratio: ratios.get(k) ?? null }])),
    goals: [
      atLeast(`cluster, 2 nodes: deliveries per server CPU-s ≥ 0.8× one SQLite node (N = ${n})`, two.median, 0.8),
      atLeast(`cluster, 4 nodes: deliveries per server CPU-s ≥ 0.8× one SQLite node (N = ${n})`, four.median, 0.8),
    ],
  };
}

interface Worker { proc: Subprocess<"pipe", "pipe", "inherit">; lines: AsyncIterator<string> }

function startWorker(port: number, first: number, count: number, rooms: number): Worker {
  const proc = Bun.spawn([process.execPath, "bench/lib/conn-worker.ts", String(port), String(first), String(count), String(rooms)], {
    cwd: new URL("..", import.meta.url).pathname, stdin: "pipe", stdout: "pipe", stderr: "inherit",
  });
  const lines = (async function* () {
    const d = new TextDecoder();
    let buf = "";
    for await (const chunk of proc.stdout) {
      buf += d.decode(chunk, { stream: true });
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) { yield buf.slice(0, i); buf = buf.slice(i + 1); }
    }
  })();
  return { proc, lines };
}

async function nextLine<T>(w: Worker, timeoutMs: number): Promise<T> {
  const timer = new Promise<never>((_, rej) => setTimeout(() => rej(new Error("load generator did not report in time")), timeoutMs));
  const r = await Promise.race([w.lines.next(), timer]);
  if (r.done) throw new Error(`load generator exited (${await w.proc.exited})`);
  return JSON.parse(r.value) as T;
}

export async function cluster100k(o: BenchOptions): Promise<Section> {
  const total = process.env.BENCH_CONNECTIONS ? Number(process.env.BENCH_CONNECTIONS) : o.quick ? 6_000 : 100_000;
  const perNode = 16_000;
  const nodes = Math.max(2, Math.ceil(total / perNode));
  const rooms = Math.max(1, Math.round(total / 100));
  const idleSeconds = o.quick ? 3 : 16;
  const reports = Array.from({ length: nodes }, (_, i) => join(tmpdir(), `hubbub-100k-${process.pid}-${i}.jsonl`));
  const setup = await startSetup({ name: `${nodes} nodes on PostgreSQL`, nodes, store: "postgres" }, { extra: ["--admin-token", "bench-admin-token"], gcReports: reports });
  const workers: Worker[] = [];
  // RSS after a forced full GC and a settle on every node (as bench/rss.ts reads it): what the
  // nodes keep, not when each one's collector last ran. Node by node, so one settles at a time.
  const settled = async () => { let sum = 0; for (const [i, p] of setup.procs.entries()) sum += (await gcReading(p, reports[i]!)).rss; return sum; };
  try {
    const rssBefore = await settled();
    const t0 = performance.now();
    const share = Math.ceil(total / nodes);
    for (let i = 0; i < nodes; i++) workers.push(startWorker(setup.procs[i]!.port, i * share, Math.min(share, total - i * share), rooms));
    const ready = await Promise.all(workers.map((w) => nextLine<{ ready: number; retries: number }>(w, 1_200_000)));
    const retried = ready.reduce((a, r) => a + r.retries, 0);
    const connectSec = (performance.now() - t0) / 1000;
    const connected = ready.reduce((a, r) => a + r.ready, 0);
    await Bun.sleep(2000); // presence and joins settle
    const rssAsIs = setup.procs.reduce((a, p) => a + memory(p.pid).rss, 0);
    const rss = await settled();
    const cpu0 = setup.procs.reduce((a, p) => a + cpuSeconds(p.pid), 0);
    await Bun.sleep(idleSeconds * 1000);
    const idlePct = ((setup.procs.reduce((a, p) => a + cpuSeconds(p.pid), 0) - cpu0) / idleSeconds) * 100;
    const sentAt = performance.timeOrigin + performance.now();
    const res = await fetch(`http://127.0.0.1:${setup.procs[0]!.port}/api/broadcast`, { method: "POST", headers: { authorization: "Bearer bench-admin-token" }, body: JSON.stringify({ text: "scale-probe" }) });
    if (!res.ok) throw new Error(`broadcast: ${res.status} ${await res.text()}`);
    const got = await Promise.all(workers.map((w) => nextLine<{ broadcast: number; last: number; open: number; closes: Record<string, number> }>(w, 60_000)));
    const received = got.reduce((a, g) => a + g.broadcast, 0);
    const stillOpen = got.reduce((a, g) => a + g.open, 0);
    const closes: Record<string, number> = {};
    for (const g of got) for (const [code, k] of Object.entries(g.closes)) closes[code] = (closes[code] ?? 0) + k;
    const closed = Object.entries(closes).map(([code, k]) => `${fmt(k)} × ${code}`).join(", ") || "none";
    const broadcastMs = Math.max(...got.map((g) => g.last)) - sentAt;
    const row = {
      connections: connected, nodes, connectPerSec: connected / connectSec, rssTotalMb: rss / 2 ** 20, rssAsIsMb: rssAsIs / 2 ** 20, rssBeforeMb: rssBefore / 2 ** 20, rssGrowthMb: (rss - rssBefore) / 2 ** 20,
      rssPerConnKb: (rss - rssBefore) / connected / 1024, idleCpuPct: idlePct, broadcastMs, received, stillOpen, closes, joinsRetried: retried,
    };
    return {
      name: "cluster-100k", title: `9b. Cluster: ${fmt(total)} connections on ${nodes} nodes`,
      markdown: `${fmt(total)} connections over ${nodes} nodes on one PostgreSQL (at most ${fmt(perNode)} per node: the machine's open-file limit is 20,000 per process), one load-generator process per node. Every connection is a user of its own that says hello and joins one of ${fmt(rooms)} rooms (100 members each); "connect rate" counts connections whose join was acked, from the first to the last. RSS is the sum over the nodes (PostgreSQL not included), read on each node after a forced full GC and a 2 s settle (bench/lib/gc-on-signal.ts preloaded, as bench/rss.ts reads it); "as read" is the sum read from outside 2 s after the last join, before any GC is forced. Idle CPU: all nodes together over ${idleSeconds} s, the connections silent as the SDK is against this server (the server sends each a heartbeat every 25 s; Bun's idle timeout pings at the protocol level). Then one operator broadcast (POST /api/broadcast on node 1, appended to the log first): time from the POST to the last connection's delivery, over every node.\n\n` +
        table(["connections", "nodes", "connect rate /s (hello + join)", "hellos or joins retried (retryable errors)", "server RSS total MB (fresh nodes)", "as read, before GC", "RSS growth per connection KB", "idle CPU % of one core (all nodes)", "broadcast to all ms", "received", "closed before the broadcast (by close code)"],
          [[fmt(connected), fmt(nodes), fmt(row.connectPerSec), fmt(retried), `${fmt(row.rssTotalMb)} (${fmt(row.rssBeforeMb)})`, fmt(row.rssAsIsMb), fmt(row.rssPerConnKb, 1), fmt(idlePct, 1), fmt(broadcastMs), fmt(received), closed]]),
      json: row,
      goals: [
        atMost(`cluster: ${fmt(total)} connections in < 1.2 GB total server RSS`, row.rssTotalMb / 1024, 1.2, `${fmt(row.rssTotalMb / 1024, 2)} GB`),
        atMost(`cluster: a broadcast reaches all ${fmt(total)} in < 2 s`, broadcastMs, 2000, `${fmt(broadcastMs)} ms`),
        atLeast(`cluster: every one of the ${fmt(total)} connections stayed open and got the broadcast`, Math.min(received, stillOpen), total, `${fmt(received)} received, ${fmt(stillOpen)} open`),
      ],
    };
  } finally {
    for (const w of workers) w.proc.kill();
    await Promise.all(workers.map((w) => w.proc.exited));
    await setup.stop();
    for (const f of reports) rmSync(f, { force: true });
  }
}


