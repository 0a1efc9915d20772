/**
 * `bun bench/connect-rate.ts [connections] [rounds] [kinds]`: the connect rate of
 * `connections.bench.ts` alone, in rounds (each round starts every server afresh, raw Bun first),
 * with each run's server CPU-seconds and the load generator's own CPU beside the rate, so a
 * change to hello or join can be judged as a ratio against raw Bun in the same run without the
 * idle and fan-out phases. Kinds (comma-separated): raw, hello, join (rooms of 100), one (one
 * room of everyone). Clients say `batch: true` in hello as the SDK does (BENCH_BATCH=0: not). Connections open 256 at a time, as in connections.bench.ts (BENCH_INFLIGHT, BENCH_WAIT: below). A kind may name
 * another checkout to run hubbub from, `join@/path/to/checkout`, to compare two versions in one run.
 * BENCH_IDLE=S then also measures the server's idle CPU over S seconds once everyone is ready
 * (after a 2 s settle; every client silent, as the SDK's are against hubbub's heartbeat), the
 * idle rows of `connections.bench.ts` without their RSS readings and fan-out.
 */
import { SUBPROTOCOLS } from "../src/protocol/index.ts";
import { load1 } from "./lib/machine.ts";
import { cpuSeconds, spawnServer, startMeter, type ServerProc } from "./lib/proc.ts";
import { fmt, fmtSpread, spread, table } from "./lib/stats.ts";
import { HUBBUB_READY, NO_LIMITS } from "./lib/targets.ts";
import { removeTempDbs, tempDb } from "./lib/temp.ts";

type Kind = "raw" | "hello" | "join" | "one";
const n = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 3);
const setups = (process.argv[4] ?? "raw,hello,join").split(",");
for (const s of setups) if (!/^(raw|hello|join|one)(@.+)?$/.test(s)) throw new Error(`unknown kind ${s}: raw, hello, join or one, optionally @checkout`);
const ROOM = 100;
/** Connections opening at once; with BENCH_WAIT=1 each of these waits until its connection is ready before opening the next (BENCH_INFLIGHT=1 BENCH_WAIT=1: one client at a time). */
const INFLIGHT = Number(process.env.BENCH_INFLIGHT ?? 256);
const WAIT = process.env.BENCH_WAIT === "1";
/**
 * Clients say `batch: true` in hello, as the SDK does (a commit's events of one stream come as one
 * `events` frame; a server before that ignores the field). BENCH_BATCH=0: they do not.
 */
const BATCH = process.env.BENCH_BATCH !== "0";
/** Seconds of idle CPU to measure after the connect phase (0: none). */
const IDLE = Number(process.env.BENCH_IDLE ?? 0);

function start(kind: Kind, checkout: string | undefined): Promise<ServerProc> {
  if (kind === "raw") return spawnServer([process.execPath, "bench/baselines/raw-bun.ts"], /listening (\d+)/, { HOST: "127.0.0.1", IDLE_TIMEOUT: "15" }, checkout);
  return spawnServer([process.execPath, "run", "src/main.ts", "--port", "0", "--db", tempDb(), "--admin-token", "bench", ...NO_LIMITS], HUBBUB_READY, {}, checkout);
}

interface Run { rate: number; serverCpu: number; ownCpu: number; othersPct: number; frames: number; load: number; perCommit: number; idlePct: number; idleLoad: number }

/** Events per transaction so far (hubbub's /health), to see whether group commit batches concurrent hellos and joins. */
async function eventsPerCommit(port: number): Promise<number> {
  const h = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { journal?: { transactions: number; events: number } };
  return h.journal ? h.journal.events / h.journal.transactions : Number.NaN;
}

async function once(setup: string): Promise<Run> {
  const [kindName, checkout] = setup.split("@") as [string, string | undefined];
  const kind = kindName as Kind;
  const server = await start(kind, checkout);
  try {
    let ready = 0;
    let frames = 0;
    const mark = kind === "hello" ? '"synced"' : '"id":"j"';
    const sockets: WebSocket[] = [];
    const meter = startMeter(server.pid);
    let next = 0;
    await Promise.all(Array.from({ length: INFLIGHT }, async () => {
      while (next < n) {
        const i = next++;
        const ws = kind === "raw" ? new WebSocket(`ws://127.0.0.1:${server.port}/`) : new WebSocket(`ws://127.0.0.1:${server.port}/ws`, SUBPROTOCOLS.json);
        let isReady: () => void = () => {};
        const readyNow = new Promise<void>((resolve) => { isReady = resolve; });
        ws.onmessage = (m) => {
          frames++;
          const s = String(m.data);
          if (s.includes(mark) && (kind === "hello" || s.startsWith('{"type":"ack"'))) { ready++; isReady(); }
        };
        await new Promise<void>((resolve, reject) => { ws.onopen = () => resolve(); ws.onerror = () => reject(new Error(`connection ${i} failed`)); });
        if (kind !== "raw") {
          ws.send(JSON.stringify({ type: "hello", user: `idle${i}`, device: "d", client: "bench", ...(BATCH ? { batch: true } : {}) }));
          if (kind !== "hello") ws.send(JSON.stringify({ type: "join", id: "j", room: kind === "one" ? "everyone" : `r${Math.floor(i / ROOM)}` }));
        }
        sockets.push(ws);
        if (WAIT && kind !== "raw") await readyNow;
      }
    }));
    const deadline = Date.now() + 300_000;
    if (kind !== "raw") while (ready < n && Date.now() < deadline) await Bun.sleep(5);
    const m = meter();
    const perCommit = kind === "raw" ? Number.NaN : await eventsPerCommit(server.port);
    const load = load1();
    let idlePct = Number.NaN;
    if (IDLE > 0) {
      await Bun.sleep(2000);
      process.stderr.write(`idle window of ${IDLE} s starts: server pid ${server.pid}\n`); // for attaching perf or strace
      const cpu0 = cpuSeconds(server.pid);
      await Bun.sleep(IDLE * 1000);
      idlePct = ((cpuSeconds(server.pid) - cpu0) / IDLE) * 100;
    }
    for (const ws of sockets) ws.close();
    return { rate: (kind === "raw" ? n : ready) / m.seconds, serverCpu: m.serverCpu, ownCpu: m.ownCpu, othersPct: m.othersPct, frames, load, perCommit, idlePct, idleLoad: load1() };
  } finally {
    await server.stop();
    await Bun.sleep(500);
  }
}

const runs = new Map<string, Run[]>(setups.map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const k of setups) {
    const run = await once(k);
    runs.get(k)!.push(run);
    process.stderr.write(`round ${r + 1} ${k}: ${fmt(run.rate)}/s, server ${run.serverCpu.toFixed(2)} CPU-s, client ${run.ownCpu.toFixed(2)} CPU-s, others ${run.othersPct.toFixed(0)} %, ${fmt(run.frames)} frames, ${run.perCommit.toFixed(1)} events per commit, load ${run.load.toFixed(2)}${IDLE > 0 ? `; idle ${run.idlePct.toFixed(2)} % of a core over ${IDLE} s, load ${run.idleLoad.toFixed(2)}` : ""}\n`);
  }
}
removeTempDbs();
const raw = runs.get("raw");
const rawRate = raw ? spread(raw.map((r) => r.rate)).median : Number.NaN;
console.log(`${fmt(n)} connections, ${rounds} rounds, ${INFLIGHT} in flight\n`);
const rawIdle = raw ? spread(raw.map((r) => r.idlePct)).median : Number.NaN;
console.log(table(["server", "connect rate /s", "× raw", "server CPU-s", "client CPU-s", "frames received", "events per commit", "load", ...(IDLE > 0 ? [`idle CPU % of a core (${IDLE} s)`, "× raw", "load after idle"] : [])], setups.map((k) => {
  const rs = runs.get(k)!;
  const rate = spread(rs.map((r) => r.rate));
  return [k, fmtSpread(rate), fmt(rate.median / rawRate, 2), fmtSpread(spread(rs.map((r) => r.serverCpu)), 2), fmtSpread(spread(rs.map((r) => r.ownCpu)), 2),
    fmt(spread(rs.map((r) => r.frames)).median), fmt(spread(rs.map((r) => r.perCommit)).median, 1), rs.map((r) => r.load.toFixed(1)).join(" "),
    ...(IDLE > 0 ? [fmtSpread(spread(rs.map((r) => r.idlePct)), 2), fmt(spread(rs.map((r) => r.idlePct)).median / rawIdle, 2), rs.map((r) => r.idleLoad.toFixed(1)).join(" ")] : [])];
})));
process.exit(0);
