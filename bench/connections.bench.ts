/**
 * 5. Connections: many idle, authenticated connections — connect rate, server memory per
 * connection against raw Bun's, idle CPU (heartbeats included), and one message fanned out to
 * all of them. `--big` opens 100,000, spread over several 127.0.0.x addresses (one address runs
 * out of ephemeral ports near 28,000).
 */
import { SUBPROTOCOLS } from "../src/protocol/index.ts";
import { cpuSeconds, memory, spawnServer, type ServerProc } from "./lib/proc.ts";
import { fmt, table } from "./lib/stats.ts";
import { tempDb } from "./lib/targets.ts";
import type { Section } from "./run.ts";

interface Result { server: string; connections: number; connectPerSec: number; rssPerConnKb: number; idleCpuPct: number; fanoutMs: number; received: number }

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

async function measure(name: string, server: ServerProc, n: number, hosts: string[], hubbub: boolean, idleSeconds: number): Promise<Result> {
  const before = memory(server.pid).rss;
  let received = 0;
  let synced = 0;
  let firstAt = 0;
  let lastAt = 0;
  const onMessage = (d: unknown) => {
    const s = String(d);
    if (s.includes('"synced"')) { synced++; return; }
    if (s.includes("fanout-probe")) { received++; lastAt = performance.now(); }
  };
  const url = (i: number) => `ws://${hosts[i % hosts.length]}:${server.port}${hubbub ? "/ws" : "/"}`;
  const t0 = performance.now();
  const sockets = await openMany(n, url, hubbub ? SUBPROTOCOLS.json : undefined,
    (ws, i) => { if (hubbub) ws.send(JSON.stringify({ type: "hello", user: `idle${i}`, device: "d", client: "bench" })); }, onMessage);
  if (hubbub) while (synced < n) await Bun.sleep(20);
  const connectSec = (performance.now() - t0) / 1000;
  await Bun.sleep(500);
  const rssPerConn = (memory(server.pid).rss - before) / n;
  const cpu0 = cpuSeconds(server.pid);
  await Bun.sleep(idleSeconds * 1000);
  const idleCpuPct = ((cpuSeconds(server.pid) - cpu0) / idleSeconds) * 100;
  firstAt = performance.now();
  if (hubbub) {
    await fetch(`http://127.0.0.1:${server.port}/api/broadcast`, { method: "POST", headers: { authorization: "Bearer bench" }, body: JSON.stringify({ text: "fanout-probe" }) });
  } else {
    sockets[0]!.send(JSON.stringify({ text: "fanout-probe" }));
  }
  const deadline = Date.now() + 20_000;
  while (received < n && Date.now() < deadline) await Bun.sleep(5);
  for (const ws of sockets) ws.close();
  return { server: name, connections: n, connectPerSec: n / connectSec, rssPerConnKb: rssPerConn / 1024, idleCpuPct, fanoutMs: lastAt - firstAt, received };
}

export async function connections(o: { quick: boolean; big: boolean }): Promise<Section> {
  const n = o.big ? 100_000 : o.quick ? 2000 : 10_000;
  const hosts = o.big ? ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"] : ["127.0.0.1"];
  const bindHost = o.big ? "0.0.0.0" : "127.0.0.1";
  const idle = o.quick ? 2 : 6;
  const results: Result[] = [];
  const raw = await spawnServer([process.execPath, "bench/baselines/raw-bun.ts"], /listening (\d+)/, o.big ? { HOST: bindHost } : {});
  try { results.push(await measure("raw Bun pub/sub", raw, n, hosts, false, idle)); } finally { await raw.stop(); }
  const hub = await spawnServer([process.execPath, "run", "src/main.ts", "--port", "0", "--host", bindHost, "--db", tempDb(), "--admin-token", "bench", "--rate-limit", "0"], /hubbub listening on http:\/\/[^:]+:(\d+)/);
  try { results.push(await measure("hubbub (hello'd, JSON)", hub, n, hosts, true, idle)); } finally { await hub.stop(); }
  const base = results[0]!;
  return {
    name: "connections", title: `5. Connections: ${fmt(n)} idle connections`,
    markdown: `Connections opened 256 at a time from one process; hubbub's each say hello (a user each) and wait for \`synced\`. Idle CPU measured over ${idle} s (Bun's own pings included); then one message fanned out to every connection (hubbub: an operator broadcast through the log).\n\n` +
      table(["server", "connections", "connect rate /s", "server RSS per connection KB", "× raw", "idle CPU % of one core", "fan-out to all ms", "received"],
        results.map((r) => [r.server, fmt(r.connections), fmt(r.connectPerSec), fmt(r.rssPerConnKb, 1), fmt(r.rssPerConnKb / base.rssPerConnKb, 2), fmt(r.idleCpuPct, 2), fmt(r.fanoutMs, 1), fmt(r.received)])),
    json: results,
  };
}
