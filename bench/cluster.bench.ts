/**
 * 8. Cluster (preview): two hubbub nodes on one PostgreSQL database (a throw-away one), against one
 * SQLite node, at a paced rate (2,000 messages/s offered by one writer in one room). Per message:
 * send → ack on the writer's node, send → delivered to a member on the SAME node, and send →
 * delivered to a member on the OTHER node (an upper bound of "commit → delivered on another node":
 * it includes the engine commit). Each message carries its send time; p50/p99 over all messages.
 * PostgreSQL: HUBBUB_TEST_PG or postgres://postgres@127.0.0.1:5432/test.
 */
import { createPgDatabase } from "../src/store/engine/testing/pg.ts";
import { spawnServer, type ServerProc } from "./lib/proc.ts";
import { atMost, type BenchOptions, type Section } from "./lib/section.ts";
import { fmt, percentile, table } from "./lib/stats.ts";
import { tempDb } from "./lib/temp.ts";

const READY = /hubbub listening on http:\/\/[^:]+:(\d+)/;
const COMMON = ["--port", "0", "--rate-limit", "0", "--connect-rate-limit", "0", "--max-connections-per-ip", "0", "--max-connections-per-user", "0", "--log-level", "warn"];

interface Client { ws: WebSocket; onEvent?: (text: string, cmid: string) => void; onAck?: (id: number) => void }

async function client(port: number, user: string, device: string): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ["hubbub.v1.json"]);
  const c: Client = { ws };
  await new Promise<void>((res, rej) => { ws.onopen = () => res(); ws.onerror = () => rej(new Error("ws failed")); });
  let synced: () => void = () => {};
  const ready = new Promise<void>((r) => { synced = r; });
  let joined: () => void = () => {};
  const join = new Promise<void>((r) => { joined = r; });
  ws.onmessage = (m) => {
    const f = JSON.parse(String(m.data)) as { type: string; id?: number; kind?: string; cmid?: string; body?: { text?: string } };
    if (f.type === "synced") synced();
    else if (f.type === "ack" && f.id === 1) joined();
    else if (f.type === "ack" && f.id !== undefined) c.onAck?.(f.id);
    else if (f.type === "event" && f.kind === "message" && f.cmid) c.onEvent?.(f.body?.text ?? "", f.cmid);
  };
  ws.send(JSON.stringify({ type: "hello", user, device, client: "cli" }));
  await ready;
  ws.send(JSON.stringify({ type: "join", id: 1, room: "bench" }));
  await join;
  return c;
}

interface Latencies { ack: number[]; same: number[]; other: number[] }

/** Offers `rate` messages/s for `seconds` from `writer`; waits until every one reached both readers. */
async function paced(writer: Client, same: Client, other: Client, rate: number, seconds: number): Promise<Latencies> {
  const total = Math.round(rate * seconds);
  const sentAt = new Float64Array(total);
  const out: Latencies = { ack: [], same: [], other: [] };
  let doneSame = 0, doneOther = 0;
  let finish: () => void = () => {};
  const all = new Promise<void>((r) => { finish = r; });
  const check = () => { if (doneSame === total && doneOther === total && out.ack.length === total) finish(); };
  writer.onAck = (id) => { out.ack.push(performance.now() - sentAt[id - 2]!); check(); };
  same.onEvent = (_, cmid) => { out.same.push(performance.now() - sentAt[Number(cmid.slice(1))]!); doneSame++; check(); };
  other.onEvent = (_, cmid) => { out.other.push(performance.now() - sentAt[Number(cmid.slice(1))]!); doneOther++; check(); };
  const t0 = performance.now();
  let i = 0;
  while (i < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    for (; i < due; i++) {
      sentAt[i] = performance.now();
      writer.ws.send(JSON.stringify({ type: "send", id: i + 2, to: { room: "bench" }, cmid: `m${i}`, text: "x" }));
    }
    await Bun.sleep(1);
  }
  const timer = setTimeout(() => finish(), 30_000);
  await all;
  clearTimeout(timer);
  if (doneSame < total || doneOther < total) throw new Error(`lost: same ${total - doneSame}, other ${total - doneOther}`);
  return out;
}

const pct = (xs: number[], p: number) => percentile(Float64Array.from(xs).sort(), p);

export async function cluster(o: BenchOptions): Promise<Section> {
  const rate = 2000;
  const seconds = o.quick ? 1 : 5;
  const db = await createPgDatabase();
  const procs: ServerProc[] = [];
  const rows: string[][] = [];
  const json: Record<string, Record<string, number>> = {};
  const record = (label: string, l: Latencies, other: boolean) => {
    const r = { ackP50: pct(l.ack, 50), ackP99: pct(l.ack, 99), sameP50: pct(l.same, 50), sameP99: pct(l.same, 99), otherP50: pct(l.other, 50), otherP99: pct(l.other, 99) };
    json[label] = r;
    rows.push([label, `${fmt(r.ackP50, 1)} / ${fmt(r.ackP99, 1)}`, `${fmt(r.sameP50, 1)} / ${fmt(r.sameP99, 1)}`, other ? `${fmt(r.otherP50, 1)} / ${fmt(r.otherP99, 1)}` : "—"]);
    return r;
  };
  let clusterOther = Infinity;
  try {
    // One SQLite node: the reference (its "other" reader is on the same node).
    const single = await spawnServer([process.execPath, "run", "src/main.ts", ...COMMON, "--db", tempDb()], READY);
    procs.push(single);
    {
      const [w, a, b] = [await client(single.port, "w", "d"), await client(single.port, "a", "d"), await client(single.port, "b", "d")];
      record("one SQLite node", await paced(w, a, b, rate, seconds), false);
      for (const c of [w, a, b]) c.ws.close();
    }
    await single.stop();
    procs.length = 0;
    const n1 = await spawnServer([process.execPath, "run", "src/main.ts", ...COMMON, "--db", tempDb(), "--store", db.url, "--node-id", "b1"], READY);
    procs.push(n1);
    const n2 = await spawnServer([process.execPath, "run", "src/main.ts", ...COMMON, "--db", tempDb(), "--store", db.url, "--node-id", "b2"], READY);
    procs.push(n2);
    const [w, a, b] = [await client(n1.port, "w", "d"), await client(n1.port, "a", "d"), await client(n2.port, "b", "d")];
    clusterOther = record("2 nodes on PostgreSQL (writer on node 1)", await paced(w, a, b, rate, seconds), true).otherP99;
    for (const c of [w, a, b]) c.ws.close();
  } finally {
    for (const p of procs) await p.stop().catch(() => {});
    await db.drop();
  }
  const markdown = `${rate} messages/s offered for ${seconds} s by one writer (JSON) in one room; ms, p50 / p99 from the send.\n\n` +
    table(["setup", "send → ack", "send → delivered, same node", "send → delivered, other node"], rows) +
    `\n\nSend → delivered on the other node includes the engine commit, so it bounds "commit → delivered on another node" from above.`;
  return {
    name: "cluster", title: "Cluster (preview): latency across nodes at a paced rate", markdown, json,
    goals: [atMost("cluster: send → delivered on another node, p99 ≤ 25 ms at 2,000 events/s (bounds commit → delivered)", clusterOther, 25, `${fmt(clusterOther, 1)} ms`)],
  };
}
