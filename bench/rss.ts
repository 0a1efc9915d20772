/**
 * `bun bench/rss.ts [connections] [rounds] [modes…]`: server RSS per idle connection, read the
 * same way for raw Bun and hubbub. Modes: raw (raw Bun pub/sub, one topic per socket), hello
 * (hubbub, hello'd), join100 (hello + join, rooms of 100), join1 (hello + join, one room of all);
 * mimic-hello, mimic-join100, mimic-join1: raw Bun doing on the wire what hubbub does in those
 * modes (baselines/raw-bun-mimic.ts: same topics, frames of the same sizes; $MIMIC drops parts).
 * Each round starts a fresh server per mode (modes interleaved, so drift hits all of them), with
 * bench/lib/gc-on-signal.ts preloaded: RSS is read before connecting and with everyone connected,
 * each time as-is and after a forced full GC plus a settle. Prints a line per reading and a
 * median per mode. `HUBBUB_CWD` runs another checkout's src/main.ts (bisecting by commit);
 * `HUBBUB_ARGS` adds server flags, `BUN_FLAGS` flags to bun itself (e.g. --smol), `SMAPS_DIR` keeps
 * the server's /proc/PID/smaps at both after-GC readings (compare them with bench/lib/smaps-diff.ts),
 * `GC_SHRINK=1` has the GC signal also call Bun.shrink(). A measurement, not a benchmark: no goals.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SUBPROTOCOLS } from "../src/protocol/index.ts";
import { load1 } from "./lib/machine.ts";
import { memory, spawnServer, type ServerProc } from "./lib/proc.ts";
import { GC_PRELOAD as preload, gcReading } from "./lib/gc-reading.ts";
import { HUBBUB_READY, NO_LIMITS } from "./lib/targets.ts";
import { removeTempDbs, tempDb } from "./lib/temp.ts";

type Mode = "raw" | "hello" | "join100" | "join1" | "mimic-hello" | "mimic-join100" | "mimic-join1";
const [nArg = "10000", roundsArg = "3", ...modeArgs] = process.argv.slice(2);
const n = Number(nArg), rounds = Number(roundsArg);
const modes = (modeArgs.length ? modeArgs : ["raw", "hello", "join100", "join1"]) as Mode[];
const repo = new URL("..", import.meta.url).pathname;
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 2000);

function start(mode: Mode, report: string): Promise<ServerProc> {
  const env: Record<string, string> = { GC_REPORT: report, IDLE_TIMEOUT: "15" };
  if (mode === "raw") return spawnServer([process.execPath, "--preload", preload, "bench/baselines/raw-bun.ts"], /listening (\d+)/, env, repo);
  if (mode.startsWith("mimic")) return spawnServer([process.execPath, "--preload", preload, "bench/baselines/raw-bun-mimic.ts"], /listening (\d+)/, env, repo);
  const extra = (process.env.HUBBUB_ARGS ?? "").split(" ").filter(Boolean);
  const bunFlags = (process.env.BUN_FLAGS ?? "").split(" ").filter(Boolean);
  return spawnServer([process.execPath, ...bunFlags, "--preload", preload, "src/main.ts", "--port", "0", "--db", tempDb(), "--admin-token", "bench", ...NO_LIMITS, ...extra],
    HUBBUB_READY, env, process.env.HUBBUB_CWD ?? repo);
}

async function connect(mode: Mode, port: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  let ready = 0, next = 0;
  const hubbub = mode !== "raw";
  await Promise.all(Array.from({ length: 256 }, async () => {
    while (next < n) {
      const i = next++;
      const ws = hubbub ? new WebSocket(`ws://127.0.0.1:${port}/ws`, SUBPROTOCOLS.json) : new WebSocket(`ws://127.0.0.1:${port}/`);
      ws.onmessage = (m) => {
        const s = String(m.data);
        if (mode.endsWith("hello") ? s.includes('"synced"') : s.startsWith('{"type":"ack"') && s.includes('"id":"j"')) ready++;
      };
      await new Promise<void>((ok, fail) => { ws.onopen = () => ok(); ws.onerror = () => fail(new Error(`connection ${i} failed`)); });
      if (hubbub) {
        ws.send(JSON.stringify({ type: "hello", user: `idle${i}`, device: "d", client: "bench" }));
        if (!mode.endsWith("hello")) ws.send(JSON.stringify({ type: "join", id: "j", room: mode.endsWith("join1") ? "everyone" : `r${Math.floor(i / 100)}` }));
      }
      sockets.push(ws);
    }
  }));
  if (hubbub) while (ready < n) await Bun.sleep(20);
  return sockets;
}

/** With $SMAPS_DIR, the server's /proc/PID/smaps at each after-GC reading (bench/lib/smaps-diff.ts compares two). */
function smaps(pid: number, name: string): void {
  if (process.env.SMAPS_DIR) writeFileSync(join(process.env.SMAPS_DIR, `${name}.smaps`), readFileSync(`/proc/${pid}/smaps`));
}
const kb = (bytes: number) => (bytes / n / 1024).toFixed(2);
const results = new Map<Mode, { asIs: number[]; gc: number[]; heap: number[]; base: number[] }>();
console.log(`${n} connections, ${rounds} rounds, load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
for (let r = 0; r < rounds; r++) {
  for (const mode of modes) {
    const report = join(tmpdir(), `hubbub-rss-${process.pid}-${mode}-${r}.jsonl`);
    const server = await start(mode, report);
    try {
      await Bun.sleep(500);
      const base = await gcReading(server, report, SETTLE_MS);
      smaps(server.pid, `${mode}-${r + 1}-base`);
      const sockets = await connect(mode, server.port);
      await Bun.sleep(1000);
      const asIs = memory(server.pid).rss - base.rss;
      const after = await gcReading(server, report, SETTLE_MS);
      smaps(server.pid, `${mode}-${r + 1}-after`);
      const row = results.get(mode) ?? { asIs: [], gc: [], heap: [], base: [] };
      row.asIs.push(asIs / n / 1024); row.gc.push((after.rss - base.rss) / n / 1024); row.heap.push((after.heapSize - base.heapSize) / n / 1024); row.base.push(base.rss / 1048576);
      results.set(mode, row);
      console.log(`round ${r + 1} ${mode.padEnd(7)} base RSS ${(base.rss / 1048576).toFixed(1)} MB (heap ${(base.heapSize / 1048576).toFixed(1)} MB) | per connection: RSS as-is ${kb(asIs)} KB, after GC ${kb(after.rss - base.rss)} KB, JS heap ${kb(after.heapSize - base.heapSize)} KB, heap capacity ${kb(after.heapCapacity - base.heapCapacity)} KB, extra ${kb(after.extraMemorySize - base.extraMemorySize)} KB | load ${load1().toFixed(2)}`);
      for (const ws of sockets) ws.close();
    } finally {
      await server.stop();
      rmSync(report, { force: true });
      removeTempDbs();
    }
    await Bun.sleep(500);
  }
}
const med = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
const raw = results.get("raw");
for (const [mode, row] of results) {
  const ratio = raw ? ` (${(med(row.gc) / med(raw.gc)).toFixed(2)}× raw after GC, ${(med(row.asIs) / med(raw.asIs)).toFixed(2)}× as-is)` : "";
  console.log(`median ${mode.padEnd(7)} base ${med(row.base).toFixed(1)} MB; per connection as-is ${med(row.asIs).toFixed(2)} KB [${row.asIs.map((x) => x.toFixed(2)).join(", ")}], after GC ${med(row.gc).toFixed(2)} KB [${row.gc.map((x) => x.toFixed(2)).join(", ")}], JS heap ${med(row.heap).toFixed(2)} KB${ratio}`);
}
process.exit(0);
