/**
 * 5. Connections: many idle, authenticated connections — connect rate, server memory per
 * connection against raw Bun's, idle CPU (heartbeats included), and one message fanned out to
 * all of them. `--big` opens 100,000, spread over several 127.0.0.x source addresses (one
 * address runs out of ephemeral ports near 28,000).
 */
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SUBPROTOCOLS } from "../src/protocol/index.ts";
import { DEFAULTS } from "../src/server/config.ts";
import { GC_PRELOAD, gcReading } from "./lib/gc-reading.ts";
import { cpuSeconds, memory, spawnServer, type ServerProc } from "./lib/proc.ts";
import { atLeast, atMost, type BenchOptions, type Section } from "./lib/section.ts";
import { fmt, fmtSpread, spread, table, type Spread } from "./lib/stats.ts";
import { HUBBUB_READY, NO_LIMITS } from "./lib/targets.ts";
import { tempDb } from "./lib/temp.ts";

/** hubbub's default idle timeout and heartbeat (src/server/config.ts); the raw baseline gets the same idle timeout. */
const IDLE_TIMEOUT_S = DEFAULTS.idleTimeout;
const HEARTBEAT_MS = DEFAULTS.heartbeatMs;

/**
 * RSS per connection: after a full GC in the server (both servers run with GC_PRELOAD), read
 * before connecting and with everyone connected, so the reading says what a server keeps, not
 * when its collector last ran (read as-is, 1 s after the last connection, the same code measured
 * 3.1 and 6.2 KB on two days; bench/rss.ts). The as-is reading is shown too.
 */
interface Rep { connectPerSec: number; rssPerConnKb: number; rssAsIsKb: number; fanoutMs: number; received: number; notReady: number; idleCpuPct?: number }
interface Result { server: string; connections: number; connectPerSec: Spread; rssPerConnKb: Spread; rssAsIsKb: Spread; baseRssMb: number; fanoutMs: Spread; idleCpuPct: number; lost: number; reps: Rep[] }

async function openMany(n: number, url: (i: number) => string, protocol: string | undefined, onOpen: (ws: WebSocket, i: number) => void, onMessage: (data: unknown) => void): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  const inflight = 256;
  let next = 0;
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (next < n) {
      const i = next++;
      const ws = protocol ? new WebSocket(url(i), protocol) : new WebSocket(url(i));
      ws.onmessage = (m) => onMessage(m.data);
      await new Promise<void>((resolve, reject) => { ws.onopen = () => resolve(); ws.onerror = () => reject(new Error(`connection ${i} failed`)); });
      onOpen(ws, i);
      sockets.push(ws);
    }
  }));
  return sockets;
}

/** What each connection does once open: nothing (raw Bun), hello, or hello then join the room `room(i)`. */
type Greeting = { kind: "raw" } | { kind: "hello" } | { kind: "join"; room: (i: number) => string };

/** One repetition on a fresh server: connect n, read RSS, optionally sit idle, then fan one message out to all. */
async function once(server: ServerProc, report: string, n: number, hosts: string[], greeting: Greeting, idleSeconds: number): Promise<Rep & { baseRss: number }> {
  const hubbub = greeting.kind !== "raw";
  await Bun.sleep(500);
  const before = (await gcReading(server, report)).rss;
  let received = 0;
  let ready = 0;
  let lastAt = 0;
  // Ready: synced after hello, or the join acked (`"id":"j"`). Joins also bring presence and
  // `joined` events from everyone else in the room: counted by nobody, but received and read.
  const readyMark = greeting.kind === "join" ? '"id":"j"' : '"synced"';
  const onMessage = (d: unknown) => {
    const s = String(d);
    if (s.includes(readyMark) && (greeting.kind !== "join" || s.startsWith('{"type":"ack"'))) { ready++; return; }
    if (s.includes("fanout-probe")) { received++; lastAt = performance.now(); }
  };
  const url = (i: number) => `ws://${hosts[i % hosts.length]}:${server.port}${hubbub ? "/ws" : "/"}`;
  const t0 = performance.now();
  const sockets = await openMany(n, url, hubbub ? SUBPROTOCOLS.json : undefined, (ws, i) => {
    if (!hubbub) return;
    // `batch: true`, as the SDK says: a commit's events of one stream (the `joined` events of a room) come as one frame.
    ws.send(JSON.stringify({ type: "hello", user: `idle${i}`, device: "d", client: "bench", batch: true }));
    if (greeting.kind === "join") ws.send(JSON.stringify({ type: "join", id: "j", room: greeting.room(i) }));
  }, onMessage);
  // Bounded: a run that cannot get every connection ready in 5 minutes reports the rate of those
  // that were, and counts the rest as not ready (in "not received"), instead of ending the suite.
  const readyBy = Date.now() + 300_000;
  if (hubbub) while (ready < n && Date.now() < readyBy) await Bun.sleep(20);
  const notReady = hubbub ? n - ready : 0;
  const connectSec = (performance.now() - t0) / 1000;
  await Bun.sleep(1000);
  const rssAsIsKb = (memory(server.pid).rss - before) / n / 1024;
  const rssPerConnKb = ((await gcReading(server, report)).rss - before) / n / 1024;
  let idleCpuPct: number | undefined;
  if (idleSeconds > 0) {
    // Both sides' clients stay silent, as the SDK's do against a server that sends its heartbeat
    // (a ping only after 1.5 intervals without a frame); Bun's protocol pings check both servers'
    // peers, and hubbub also publishes its heartbeat every HEARTBEAT_MS.
    const cpu0 = cpuSeconds(server.pid);
    await Bun.sleep(idleSeconds * 1000);
    idleCpuPct = ((cpuSeconds(server.pid) - cpu0) / idleSeconds) * 100;
  }
  const firstAt = performance.now();
  if (hubbub) {
    await fetch(`http://127.0.0.1:${server.port}/api/broadcast`, { method: "POST", headers: { authorization: "Bearer bench" }, body: JSON.stringify({ text: "fanout-probe" }) });
  } else {
    sockets[0]!.send(JSON.stringify({ text: "fanout-probe" }));
  }
  const deadline = Date.now() + 20_000;
  while (received < n && Date.now() < deadline) await Bun.sleep(5);
  for (const ws of sockets) ws.close();
  return { connectPerSec: (n - notReady) / connectSec, rssPerConnKb, rssAsIsKb, baseRss: before, fanoutMs: lastAt - firstAt, received, notReady, idleCpuPct };
}

async function measure(name: string, start: (report: string) => Promise<ServerProc>, n: number, hosts: string[], greeting: Greeting, reps: number, idleSeconds: number): Promise<Result> {
  const runs: (Rep & { baseRss: number })[] = [];
  for (let r = 0; r < reps; r++) {
    process.stderr.write(`  connections: ${name}, run ${r + 1}/${reps}…\n`);
    const report = join(tmpdir(), `hubbub-connections-${process.pid}-${r}.jsonl`);
    const server = await start(report);
    try { runs.push(await once(server, report, n, hosts, greeting, r === reps - 1 ? idleSeconds : 0)); } finally { await server.stop(); rmSync(report, { force: true }); }
    await Bun.sleep(500); // let the closed sockets' TIME_WAIT and the old process go
  }
  return {
    server: name, connections: n,
    connectPerSec: spread(runs.map((r) => r.connectPerSec)),
    rssPerConnKb: spread(runs.map((r) => r.rssPerConnKb)),
    rssAsIsKb: spread(runs.map((r) => r.rssAsIsKb)),
    baseRssMb: spread(runs.map((r) => r.baseRss / 1048576)).median,
    fanoutMs: spread(runs.map((r) => r.fanoutMs)),
    idleCpuPct: runs[runs.length - 1]!.idleCpuPct ?? Number.NaN,
    lost: runs.reduce((a, r) => a + (n - r.received) + r.notReady, 0),
    reps: runs,
  };
}

function openFileLimit(): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
  return !m || m[1] === "unlimited" ? Number.POSITIVE_INFINITY : Number(m[1]);
}

export async function connections(o: BenchOptions): Promise<Section> {
  // BENCH_CONNECTIONS sets another count, e.g. the most a machine's open-file limit allows when --big cannot run.
  const n = process.env.BENCH_CONNECTIONS ? Number(process.env.BENCH_CONNECTIONS) : o.big ? 100_000 : o.quick ? 2000 : 10_000;
  const limit = openFileLimit();
  if (limit < n + 1000) throw new Error(`${fmt(n)} connections need an open-file limit above ${fmt(n + 1000)} in this process and the server's; it is ${fmt(limit)} (raise it with ulimit -n)`);
  const hosts = o.big ? ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"] : ["127.0.0.1"];
  const bindHost = o.big ? "0.0.0.0" : "127.0.0.1";
  // A whole heartbeat (and idle timeout), so every socket's ping and Bun's protocol pings are in it.
  const idle = o.quick ? 3 : Math.max(IDLE_TIMEOUT_S, HEARTBEAT_MS / 1000) + 1;
  const reps = o.reps ?? (o.quick ? 1 : 3);
  const raw = await measure("raw Bun pub/sub", (report) => spawnServer([process.execPath, "--preload", GC_PRELOAD, "bench/baselines/raw-bun.ts"], /listening (\d+)/, { HOST: bindHost, IDLE_TIMEOUT: String(IDLE_TIMEOUT_S), GC_REPORT: report }), n, hosts, { kind: "raw" }, reps, idle);
  const startHubbub = (report: string) => spawnServer([process.execPath, "--preload", GC_PRELOAD, "src/main.ts", "--port", "0", "--host", bindHost, "--db", tempDb(), "--admin-token", "bench", ...NO_LIMITS, ...(o.big ? ["--insecure-dev-on-network"] : [])], HUBBUB_READY, { GC_REPORT: report });
  const hub = await measure("hubbub (hello'd, JSON)", startHubbub, n, hosts, { kind: "hello" }, reps, idle);
  // Issue 11: connections that also joined a room, as on a real server: rooms of 100 members,
  // and one room of everyone (every join then reaches every member already there).
  const roomSize = 100;
  const joinedSmall = await measure(`hubbub (hello + join, ${fmt(Math.ceil(n / roomSize))} rooms of ${roomSize})`, startHubbub, n, hosts, { kind: "join", room: (i) => `r${Math.floor(i / roomSize)}` }, reps, idle);
  const joinedOne = await measure(`hubbub (hello + join, one room of ${fmt(n)})`, startHubbub, n, hosts, { kind: "join", room: () => "everyone" }, reps, idle);
  const results = [raw, hub, joinedSmall, joinedOne];
  const ratio = hub.rssPerConnKb.median / raw.rssPerConnKb.median;
  return {
    name: "connections", title: `5. Connections: ${fmt(n)} idle connections`,
    markdown: `Connections opened 256 at a time from one process, ${reps} run(s) on a fresh server each; hubbub's each say hello (a user each) and wait for \`synced\`; in the "hello + join" rows each then joins a room (rooms of ${roomSize} members, or one room of all) and the connect rate counts until every join is acked (each join is two durable events, \`joined\` in the room and \`room_joined\` on the user's own stream, committed together; the \`joined\` event reaches every member — clients say \`batch: true\` in hello, as the SDK does, so a commit's \`joined\` events of a room reach each member as one \`events\` frame — and the presence announcement, never stored, is coalesced per room and turn). Raw Bun's connections subscribe to one topic on open. RSS per connection is the server's growth over its idle RSS, each read after a full GC in the server and a 2 s settle (both servers; "as-is" is the growth 1 s after the last connection, without a GC, which depends on when the collector last ran); base RSS is a fresh server's after a GC. Idle CPU over ${idle} s in the last run: both servers have a ${IDLE_TIMEOUT_S} s idle timeout; both servers' clients are silent, as the SDK's are against a server that sends its heartbeat (hubbub publishes one to every connection every ${HEARTBEAT_MS / 1000} s; the SDK pings only after 1.5 silent intervals), and Bun's protocol pings check the peers. Then one message fanned out to every connection (hubbub: an operator broadcast, appended to the log first).\n\n` +
      table(["server", "connections", "connect rate /s", "server RSS per connection KB (after GC)", "× raw", "as-is KB", "base RSS MB", "idle CPU % of one core", "fan-out to all ms", "not received (or not ready)"],
        results.map((r) => [r.server, fmt(r.connections), fmtSpread(r.connectPerSec), fmtSpread(r.rssPerConnKb, 1), fmt(r.rssPerConnKb.median / raw.rssPerConnKb.median, 2), fmtSpread(r.rssAsIsKb, 1), fmt(r.baseRssMb, 1), fmt(r.idleCpuPct, 2), fmtSpread(r.fanoutMs, 1), fmt(r.lost)])),
    json: results,
    goals: [
      atMost(`${fmt(n)} connections: hubbub server RSS per connection ≤ 2× raw Bun`, ratio, 2),
      ...[joinedSmall, joinedOne].flatMap((j) => [
        atMost(`${j.server}: server RSS per connection ≤ 2× raw Bun`, j.rssPerConnKb.median / raw.rssPerConnKb.median, 2),
        atLeast(`${j.server}: connect rate ≥ 0.5× raw Bun's`, j.connectPerSec.median / raw.connectPerSec.median, 0.5),
        atMost(`${j.server}: idle CPU ≤ 2× raw Bun's`, j.idleCpuPct / raw.idleCpuPct, 2, `${fmt(j.idleCpuPct, 2)} % vs ${fmt(raw.idleCpuPct, 2)} %`),
        atMost(`${j.server}: the fanned-out message reached every connection`, j.lost, 0, `${fmt(j.lost)} missed`),
      ]),
      atMost(`${fmt(n)} idle connections: hubbub server CPU < 5 % of one core (heartbeats included)`, hub.idleCpuPct, 4.999, `${fmt(hub.idleCpuPct, 2)} %`),
      atMost(`${fmt(n)} idle connections: hubbub (hello'd) idle CPU ≤ 2× raw Bun's`, hub.idleCpuPct / raw.idleCpuPct, 2, `${fmt(hub.idleCpuPct, 2)} % vs ${fmt(raw.idleCpuPct, 2)} %`),
      atMost(`${fmt(n)} connections: the fanned-out message reached every connection`, hub.lost + raw.lost, 0, `${fmt(hub.lost + raw.lost)} missed`),
    ],
  };
}
