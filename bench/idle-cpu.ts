/**
 * `bun bench/idle-cpu.ts [connections] [hello|join|one] [windows] [seconds] [setups]`: idle CPU
 * of several servers measured in the SAME windows. Each setup's server gets its own holder
 * process (one open-file limit each) that connects N clients and keeps them silent; once all are
 * ready (and 10 s have passed) every server's CPU is read per thread (/proc/PID/task/TID/schedstat,
 * nanoseconds) over each window. Taken one after another, as in connections.bench.ts, idle
 * readings of 1–2 % of a core swing with whatever else the machine runs; side by side, every
 * server sees the same load, so the ratio holds when the absolute figure does not.
 *
 * Setups (comma-separated): `raw` (Bun pub/sub, the same idle timeout), `hubbub`, `hubbub@/checkout`
 * (another version), each optionally `#--flag value` (extra server flags, e.g.
 * `hubbub#--metrics off`). Every setup's clients do the same: raw's only open; hubbub's say
 * hello and, for join, join a room of 100 (one: the same room for all).
 */
import { readdirSync, readFileSync } from "node:fs";
import { SUBPROTOCOLS } from "../src/protocol/index.ts";
import { DEFAULTS } from "../src/server/config.ts";
import { load1 } from "./lib/machine.ts";
import { spawnServer, type ServerProc } from "./lib/proc.ts";
import { fmt, table } from "./lib/stats.ts";
import { HUBBUB_READY, NO_LIMITS } from "./lib/targets.ts";
import { removeTempDbs, tempDb } from "./lib/temp.ts";

type Kind = "hello" | "join" | "one";

/** Nanoseconds on CPU per thread (`name|tid`), now. */
function threadNs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      out.set(`${name}|${tid}`, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]));
    } catch { /* the thread ended meanwhile */ }
  }
  return out;
}

/** % of a core per thread name between two readings (a thread that ended is lost; one that started counts from 0). */
function usage(a: Map<string, number>, b: Map<string, number>, seconds: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of b) {
    const name = k.split("|")[0]!;
    out.set(name, (out.get(name) ?? 0) + ((v - (a.get(k) ?? 0)) / 1e9 / seconds) * 100);
  }
  return out;
}

/** Holder: start one server, connect n clients, print its pid, then hold until killed. */
async function hold(setup: string, n: number, kind: Kind): Promise<void> {
  const [spec = "", extra] = setup.split("#");
  const [name, checkout] = spec.split("@");
  const raw = name === "raw";
  const server: ServerProc = raw
    ? await spawnServer([process.execPath, "bench/baselines/raw-bun.ts"], /listening (\d+)/, { HOST: "127.0.0.1", IDLE_TIMEOUT: String(DEFAULTS.idleTimeout) }, checkout)
    : await spawnServer([process.execPath, "run", "src/main.ts", "--port", "0", "--db", tempDb(), "--admin-token", "bench", ...NO_LIMITS, ...(extra ? extra.split(" ") : [])], HUBBUB_READY, {}, checkout);
  const mark = kind === "hello" ? '"synced"' : '"id":"j"';
  let ready = 0;
  let next = 0;
  await Promise.all(Array.from({ length: 256 }, async () => {
    while (next < n) {
      const i = next++;
      const ws = raw ? new WebSocket(`ws://127.0.0.1:${server.port}/`) : new WebSocket(`ws://127.0.0.1:${server.port}/ws`, SUBPROTOCOLS.json);
      ws.onmessage = (m) => { const s = String(m.data); if (s.includes(mark) && (kind === "hello" || s.startsWith('{"type":"ack"'))) ready++; };
      await new Promise<void>((resolve, reject) => { ws.onopen = () => resolve(); ws.onerror = () => reject(new Error(`connection ${i} failed`)); });
      if (raw) { ready++; continue; }
      ws.send(JSON.stringify({ type: "hello", user: `idle${i}`, device: "d", client: "bench" }));
      if (kind !== "hello") ws.send(JSON.stringify({ type: "join", id: "j", room: kind === "one" ? "everyone" : `r${Math.floor(i / 100)}` }));
    }
  }));
  while (ready < n) await Bun.sleep(20);
  process.on("SIGTERM", () => void server.stop().finally(() => { removeTempDbs(); process.exit(0); }));
  console.log(`ready ${server.pid}`);
  setInterval(() => {}, 1 << 30);
}

async function main(): Promise<void> {
  const [nArg = "10000", kindArg = "join", windowsArg = "3", secondsArg = "26", setupsArg = "raw,hubbub"] = process.argv.slice(2);
  if (kindArg !== "hello" && kindArg !== "join" && kindArg !== "one") throw new Error(`kind: hello, join or one, not ${kindArg}`);
  const windows = Number(windowsArg);
  const seconds = Number(secondsArg);
  const setups = setupsArg.split(",");
  const holders: { setup: string; proc: ReturnType<typeof Bun.spawn>; pid: number }[] = [];
  try {
    for (const setup of setups) {
      process.stderr.write(`${setup}: connecting ${fmt(Number(nArg))} (${kindArg})…\n`);
      const proc = Bun.spawn([process.execPath, import.meta.path, "--hold", setup, nArg, kindArg], { stdout: "pipe", stderr: "inherit" });
      const reader = proc.stdout.getReader();
      let text = "";
      for (let m = /ready (\d+)/.exec(text); !m; m = /ready (\d+)/.exec(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`${setup}: the holder exited before its clients were ready`);
        text += new TextDecoder().decode(value);
      }
      holders.push({ setup, proc, pid: Number(/ready (\d+)/.exec(text)![1]) });
    }
    await Bun.sleep(10_000); // past the last connect phase's aftermath
    const rows: Map<string, number>[][] = holders.map(() => []);
    const loads: number[] = [];
    for (let w = 0; w < windows; w++) {
      const before = holders.map((h) => threadNs(h.pid));
      await Bun.sleep(seconds * 1000);
      holders.forEach((h, i) => rows[i]!.push(usage(before[i]!, threadNs(h.pid), seconds)));
      loads.push(load1());
      process.stderr.write(`window ${w + 1}/${windows}, load ${loads.at(-1)!.toFixed(1)}\n`);
    }
    const total = (u: Map<string, number>) => [...u.values()].reduce((a, b) => a + b, 0);
    const mean = (i: number, f: (u: Map<string, number>) => number) => rows[i]!.reduce((a, u) => a + f(u), 0) / windows;
    const base = mean(0, total);
    console.log(`${fmt(Number(nArg))} idle connections each (${kindArg}), ${windows} windows of ${seconds} s side by side, load ${loads.map((l) => l.toFixed(1)).join(" ")}\n`);
    console.log(table(["server", "idle CPU, % of a core (mean)", `× ${setups[0]}`, "per window", "main thread", "mi-scavenger", "GC helpers"], holders.map((h, i) => [
      h.setup, fmt(mean(i, total), 3), fmt(mean(i, total) / base, 2), rows[i]!.map((u) => total(u).toFixed(2)).join(" "),
      fmt(mean(i, (u) => (u.get("bun.exe") ?? 0) + (u.get("bun") ?? 0)), 3), fmt(mean(i, (u) => u.get("mi-scavenger") ?? 0), 3),
      fmt(mean(i, (u) => (u.get("HeapHelper") ?? 0) + (u.get("Heap Helper Thread") ?? 0)), 3),
    ])));
  } finally {
    for (const h of holders) { h.proc.kill("SIGTERM"); await h.proc.exited; }
  }
}

if (process.argv[2] === "--hold") await hold(process.argv[3]!, Number(process.argv[4]), process.argv[5] as Kind);
else { await main(); process.exit(0); }
