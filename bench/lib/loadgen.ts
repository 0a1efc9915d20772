/**
 * The load generator: N WebSocket clients in this process, one room, every message carrying
 * its send time so latency is end to end. It speaks three dialects: the tiny relay protocol of
 * the baselines, hubbub's protocol (JSON or MessagePack), and Socket.IO's engine.io framing.
 * Bounded in time and count; it stops by itself.
 */
import { SUBPROTOCOLS, codecFor, type Encoding } from "../../src/protocol/index.ts";

export type Dialect = { kind: "relay" } | { kind: "hubbub"; encoding: Encoding } | { kind: "socketio" };

export interface Client {
  send(n: number): void;
  close(): void;
}

export interface Counters {
  received: number;
  sent: number;
  /** Latency samples (ms) recorded while `recording` is on. */
  lat: Float64Array;
  latCount: number;
  recording: boolean;
  /** Deliveries counted while `recording` is on. */
  windowDeliveries: number;
}

export function newCounters(maxSamples = 4_000_000): Counters {
  return { received: 0, sent: 0, lat: new Float64Array(maxSamples), latCount: 0, recording: false, windowDeliveries: 0 };
}

function record(c: Counters, t: number): void {
  c.received += 1;
  if (!c.recording) return;
  c.windowDeliveries += 1;
  if (c.latCount < c.lat.length) c.lat[c.latCount++] = performance.now() - t;
}

/** Opens one client; `onOwn` fires when the client's own message comes back (a window slot frees). */
export async function openClient(port: number, d: Dialect, id: number, run: string, c: Counters, onOwn: () => void): Promise<Client> {
  if (d.kind === "relay") {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await opened(ws);
    ws.onmessage = (m) => {
      const f = JSON.parse(m.data as string) as { t: number; from: number };
      record(c, f.t);
      if (f.from === id) onOwn();
    };
    return { send: (n) => { ws.send(JSON.stringify({ t: performance.now(), from: id, n })); c.sent++; }, close: () => ws.close() };
  }
  if (d.kind === "socketio") {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
    let ready!: () => void;
    const connected = new Promise<void>((r) => (ready = r));
    ws.onmessage = (m) => {
      const s = m.data as string;
      if (s === "2") return ws.send("3"); // engine.io ping -> pong
      if (s.startsWith("0")) return ws.send("40");
      if (s.startsWith("40")) return ready();
      if (s.startsWith("42")) {
        const [, f] = JSON.parse(s.slice(2)) as [string, { t: number; from: number }];
        record(c, f.t);
        if (f.from === id) onOwn();
      }
    };
    await connected;
    return { send: (n) => { ws.send(`42${JSON.stringify(["msg", { t: performance.now(), from: id, n }])}`); c.sent++; }, close: () => ws.close() };
  }
  const codec = codecFor(d.encoding);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, SUBPROTOCOLS[d.encoding]);
  ws.binaryType = "arraybuffer";
  await opened(ws);
  let joined!: () => void;
  const isJoined = new Promise<void>((r) => (joined = r));
  ws.onmessage = (m) => {
    const f = codec.decode(m.data as string | ArrayBuffer) as { type: string; id?: string; kind?: string; body?: { text?: string } };
    if (f.type === "event" && f.kind === "message") {
      const text = f.body!.text!;
      const bar = text.indexOf("|");
      record(c, Number(text.slice(bar + 1)));
      if (Number(text.slice(0, bar)) === id) onOwn();
    } else if (f.type === "ack" && f.id === "join") joined();
  };
  ws.send(codec.encode({ type: "hello", user: `u${id}`, device: `lg-${run}`, client: "bench" }));
  ws.send(codec.encode({ type: "join", id: "join", room: "bench" }));
  await isJoined;
  return {
    send: (n) => {
      ws.send(codec.encode({ type: "send", to: { room: "bench" }, cmid: `${run}-${id}-${n}`, text: `${id}|${performance.now()}` }));
      c.sent++;
    },
    close: () => ws.close(),
  };
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("websocket failed to open"));
  });
}
