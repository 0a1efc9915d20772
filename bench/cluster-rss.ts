/**
 * `bun bench/cluster-rss.ts [connections] [rounds] [setups…]`: what cluster mode costs in memory
 * and connect rate, against one SQLite node with the same load in the same run. Setups: `sqlite`
 * (one plain node), `pgN` (N cluster nodes on a fresh PostgreSQL database, the connections split
 * in N blocks as cluster-100k splits them; pg7 is its shape). Every connection is a user
 * of its own, hello'd and joined to room r(i mod connections/100), as in cluster-100k: each room
 * has members on every node, so every node holds the other nodes' presence of every room.
 * bench/lib/gc-on-signal.ts is preloaded: each node's RSS is read after a forced full GC and a
 * settle, once fresh (the base) and once with everyone connected. Per connection = the growth of
 * all nodes together / connections. `HUBBUB_CWD` runs another checkout's src/main.ts (before and
 * after a change); `BENCH_CPU_PROF=dir` writes each node's CPU profile there; `GC_TYPES=1` prints the first node's live objects per connection by type. A measurement, not a benchmark: no goals.
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSetup } from "./cluster-scale.bench.ts";
import { gcReading, type GcReading } from "./lib/gc-reading.ts";
import { load1 } from "./lib/machine.ts";
import { cpuSeconds } from "./lib/proc.ts";
import { removeTempDbs } from "./lib/temp.ts";

/** `sqlite`, or `pgN`: N cluster nodes. */
type Setup = string;
const [nArg = "6000", roundsArg = "1", ...setupArgs] = process.argv.slice(2);
const n = Number(nArg), rounds = Number(roundsArg);
const setups: Setup[] = setupArgs.length ? setupArgs : ["sqlite", "pg1", "pg2"];
const rooms = Math.max(1, Math.round(n / 100));
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 2000);
const load = () => load1().toFixed(2);
const mb = (b: number) => (b / 1048576).toFixed(1);

/** How many nodes a setup runs. */
function nodeCount(s: Setup): number {
  const count = s === "sqlite" ? 1 : Number(/^pg(\d+)$/.exec(s)?.[1] ?? NaN);
  if (!(count >= 1)) throw new Error(`unknown setup ${s}: sqlite or pgN`);
  return count;
}

/** Connects users [first, first + count) to one node, 128 in flight; resolves when every join is acked. */
async function connect(port: number, first: number, count: number, sockets: WebSocket[]): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 128 }, async () => {
    while (next < count) {
      const i = first + next++;
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, "hubbub.v1.json");
      await new Promise<void>((ok, fail) => {
        ws.onopen = () => {
          ws.send(`{"type":"hello","user":"c${i}","device":"d","client":"bench"}`);
          ws.send(`{"type":"join","id":"j","room":"r${i % rooms}"}`);
        };
        ws.onmessage = (m) => {
          const s = String(m.data);
          if (s.startsWith('{"type":"ack","id":"j"')) ok();
          else if (s.startsWith('{"type":"error"')) fail(new Error(`connection ${i}: ${s.slice(0, 200)}`));
        };
        ws.onerror = () => fail(new Error(`connection ${i} failed`));
      });
      ws.onmessage = null;
      sockets.push(ws);
    }
  }));
}

console.log(`${n} connections in ${rooms} rooms, ${rounds} round(s), setups ${setups.join(" ")}, load ${load()}`);
for (let r = 0; r < rounds; r++) {
  for (const s of setups) {
    const reports = Array.from({ length: nodeCount(s) }, (_, k) => join(tmpdir(), `hubbub-crss-${process.pid}-${s}-${r}-${k}.jsonl`));
    const setup = await startSetup({ name: s, nodes: reports.length, store: s === "sqlite" ? "sqlite" : "postgres" }, { gcReports: reports, cwd: process.env.HUBBUB_CWD });
    const nodes = setup.procs;
    const sockets: WebSocket[] = [];
    try {
      await Bun.sleep(500);
      const base: GcReading[] = [];
      for (const [k, p] of nodes.entries()) base.push(await gcReading(p, reports[k]!, SETTLE_MS));
      const cpu0 = nodes.reduce((a, p) => a + cpuSeconds(p.pid), 0);
      const t0 = performance.now();
      const share = Math.ceil(n / nodes.length);
      await Promise.all(nodes.map((p, k) => connect(p.port, k * share, Math.min(share, n - k * share), sockets)));
      const sec = (performance.now() - t0) / 1000;
      const cpu = nodes.reduce((a, p) => a + cpuSeconds(p.pid), 0) - cpu0;
      await Bun.sleep(1000);
      const after: GcReading[] = [];
      for (const [k, p] of nodes.entries()) after.push(await gcReading(p, reports[k]!, SETTLE_MS));
      const growth = after.reduce((a, x, k) => a + x.rss - base[k]!.rss, 0);
      const heap = after.reduce((a, x, k) => a + x.heapSize - base[k]!.heapSize, 0);
      console.log(`round ${r + 1} ${s.padEnd(6)} base RSS ${base.map((b) => mb(b.rss)).join(" + ")} MB (heap ${base.map((b) => mb(b.heapSize)).join(" + ")}) | ` +
        `with ${n}: ${after.map((b) => mb(b.rss)).join(" + ")} MB | per connection after GC ${(growth / n / 1024).toFixed(2)} KB RSS, ${(heap / n / 1024).toFixed(2)} KB JS heap | ` +
        `connect ${(n / sec).toFixed(0)}/s, server CPU ${cpu.toFixed(2)} s (${((cpu / n) * 1e6).toFixed(0)} µs per connection) | load ${load()}`);
      if (process.env.GC_TYPES) {
        // The first node's live objects by type, per connection of the whole run (GC_TYPES=1: a census).
        const t0 = base[0]!.types ?? {}, t1 = after[0]!.types ?? {};
        const rows = Object.keys(t1).map((k) => [k, (t1[k]! - (t0[k] ?? 0)) / n] as const).sort((a, b) => b[1] - a[1]).slice(0, 15);
        console.log(`  node 1 objects per connection: ${rows.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")}`);
      }
    } finally {
      for (const ws of sockets) ws.close();
      await setup.stop();
      for (const f of reports) rmSync(f, { force: true });
      removeTempDbs();
    }
    await Bun.sleep(500);
  }
}
process.exit(0);
