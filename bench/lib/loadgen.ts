/**
 * The load generator: N WebSocket clients in this process, one room, every message carrying
 * its send time so latency is end to end. It speaks three dialects: the tiny relay protocol of
 * the baselines, hubbub's protocol (JSON or MessagePack), and Socket.IO's engine.io framing.
 * Bounded in time and count; it stops by itself.
 */
import { SUBPROTOCOLS, codecFor, newCmid, type Encoding } from "../../src/protocol/index.ts";

export type Dialect = { kind: "relay" } | { kind: "hubbub"; encoding: Encoding } | { kind: "socketio" };

export interface Client {
  /** Sends one message (its cmid from newCmid, its text the sender and the send time). */
  send(): void;
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
  /** Send → ack latency samples (ms), recorded while `recording` is on (servers that ack: hubbub, the durable relay). */
  ackLat: Float64Array;
  ackCount: number;
  /**
   * Send → the sender's own copy latency samples (ms), recorded while `recording` is on: the ack's
   * fair comparison. The protocol sends the ack right after the sender's own copy, and in a
   * closed loop run by one thread the own copy is always a whole loop away while the other
   * receivers read a message on average half a loop after it was sent (analysis.md, "Acks and
   * deliveries at saturation").
   */
  ownLat: Float64Array;
  ownCount: number;
}

export function newCounters(maxSamples = 4_000_000): Counters {
  return { received: 0, sent: 0, lat: new Float64Array(maxSamples), latCount: 0, recording: false, windowDeliveries: 0, ackLat: new Float64Array(Math.max(1, maxSamples >> 4)), ackCount: 0, ownLat: new Float64Array(Math.max(1, maxSamples >> 4)), ownCount: 0 };
}

/**
 * Send times of one client's messages not yet acked. A server acks one connection's sends in
 * order (hubbub: one room actor, one journal queue; the relay: one queue), so the oldest is the one acked.
 */
class AckClock {
  private times: number[] = [];
  private head = 0;
  sent(t: number): void { this.times.push(t); }
  acked(c: Counters): void {
    if (this.head >= this.times.length) return;
    const t = this.times[this.head++]!;
    if (this.head > 64 && this.head * 2 > this.times.length) { this.times = this.times.slice(this.head); this.head = 0; }
    if (c.recording && c.ackCount < c.ackLat.length) c.ackLat[c.ackCount++] = performance.now() - t;
  }
}

/** Is this text frame an ack? Both hubbub and the durable relay put `"type":"ack"` first. */
const isAckText = (s: string): boolean => s.startsWith('{"type":"ack"');
/** The MessagePack twin: a map whose first key is "type" (a4 74 79 70 65) with the value "ack" (a3 61 63 6b). */
const isAckBinary = (b: Uint8Array): boolean =>
  (b[0]! & 0xf0) === 0x80 && b[1] === 0xa4 && b[2] === 0x74 && b[3] === 0x79 && b[4] === 0x70 && b[5] === 0x65 && b[6] === 0xa3 && b[7] === 0x61 && b[8] === 0x63 && b[9] === 0x6b;

/**
 * The load generator must not be the bottleneck, and it must spend the same on every server's
 * frames: so it never fully parses a delivery. Every dialect carries `"text":"<sender>|<send
 * time>"` (hubbub in its event's body, the baselines in their relayed message), and the
 * generator only finds that and reads the two numbers. Returns undefined for frames without it.
 */
export function senderAndTime(s: string): [number, number] | undefined {
  const i = s.indexOf('"text":"');
  if (i < 0) return undefined;
  const start = i + 8;
  const bar = s.indexOf("|", start);
  const quote = s.indexOf('"', start);
  if (bar < 0 || bar > quote) return undefined;
  // A padded text is "<sender>|<time>|xxx…": the time ends at the second bar.
  const bar2 = s.indexOf("|", bar + 1);
  const end = bar2 >= 0 && bar2 < quote ? bar2 : quote;
  return [Number(s.slice(start, bar)), Number(s.slice(bar + 1, end))];
}

/** Parses the ASCII decimal number in b[from, to) (digits and at most one dot). */
function decimalAt(b: Uint8Array, from: number, to: number): number {
  let v = 0;
  let scale = 0;
  for (let i = from; i < to; i++) {
    const d = b[i]!;
    if (d === 0x2e) scale = 1;
    else { v = v * 10 + (d - 0x30); if (scale) scale *= 10; }
  }
  return scale ? v / scale : v;
}

/** The MessagePack twin of senderAndTime: finds the key "text" (fixstr a4 74 65 78 74) with the native indexOf. */
export function senderAndTimeBinary(b: Uint8Array): [number, number] | undefined {
  for (let i = b.indexOf(0xa4); i >= 0 && i + 6 < b.length; i = b.indexOf(0xa4, i + 1)) {
    if (b[i + 1] !== 0x74 || b[i + 2] !== 0x65 || b[i + 3] !== 0x78 || b[i + 4] !== 0x74) continue;
    const h = b[i + 5]!;
    // fixstr, str8 or str16 (a 1,000-character text); nothing longer is sent.
    const len = h >= 0xa0 && h <= 0xbf ? h - 0xa0 : h === 0xd9 ? b[i + 6]! : h === 0xda ? (b[i + 6]! << 8) | b[i + 7]! : -1;
    if (len < 0) return undefined;
    const from = h === 0xd9 ? i + 7 : h === 0xda ? i + 8 : i + 6;
    const bar = b.indexOf(0x7c, from);
    if (bar < 0 || bar >= from + len) return undefined;
    const bar2 = b.indexOf(0x7c, bar + 1);
    return [decimalAt(b, from, bar), decimalAt(b, bar + 1, bar2 >= 0 && bar2 < from + len ? bar2 : from + len)];
  }
  return undefined;
}

/**
 * What the baselines relay: a message shaped like hubbub's event frame (stream, author, kind,
 * text, client id, time), so every server moves about the same bytes per delivery. Every dialect
 * makes its cmid the way the SDK does (newCmid), so the load generator's own cost is the same too.
 */
function chatPayload(id: number, pad: string) {
  return { stream: "room:bench", seq: 0, pos: 0, at: Date.now(), author: `u${id}`, kind: "message", body: { text: messageText(id, pad) }, cmid: newCmid() };
}

/** "<sender>|<send time>", padded to a message size with "|xxx…" when asked. */
const messageText = (id: number, pad: string): string => (pad ? `${id}|${performance.now()}|${pad}` : `${id}|${performance.now()}`);

/** The padding that brings a message's text to about `chars` characters ("<id>|<time>|" takes about 20). */
export const padFor = (chars: number | undefined): string => (chars && chars > 21 ? "x".repeat(chars - 21) : "");

/** Counts a delivery; `onOwn` when it is the client's own message coming back. */
function delivered(c: Counters, hit: [number, number] | undefined, id: number, onOwn: () => void): void {
  if (!hit) return;
  record(c, hit[1]);
  if (hit[0] !== id) return;
  if (c.recording && c.ownCount < c.ownLat.length) c.ownLat[c.ownCount++] = performance.now() - hit[1];
  onOwn();
}

function record(c: Counters, t: number): void {
  c.received += 1;
  if (!c.recording) return;
  c.windowDeliveries += 1;
  if (c.latCount < c.lat.length) c.lat[c.latCount++] = performance.now() - t;
}

/** Opens one client; `onOwn` fires when the client's own message comes back (a window slot frees). */
export async function openClient(port: number, d: Dialect, id: number, run: string, c: Counters, onOwn: () => void, pad = ""): Promise<Client> {
  const clock = new AckClock();
  if (d.kind === "relay") {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await opened(ws);
    ws.onmessage = (m) => {
      const s = m.data as string;
      if (isAckText(s)) return clock.acked(c);
      delivered(c, senderAndTime(s), id, onOwn);
    };
    return { send: () => { clock.sent(performance.now()); ws.send(JSON.stringify(chatPayload(id, pad))); c.sent++; }, close: () => ws.close() };
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
      if (s.startsWith("42")) delivered(c, senderAndTime(s), id, onOwn);
    };
    await connected;
    return { send: () => { ws.send(`42${JSON.stringify(["msg", chatPayload(id, pad)])}`); c.sent++; }, close: () => ws.close() };
  }
  const codec = codecFor(d.encoding);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, SUBPROTOCOLS[d.encoding]);
  // Measured: "arraybuffer" makes Bun copy every binary frame into a fresh ArrayBuffer and cut
  // this process's MessagePack receive rate by a third; a Buffer (a Uint8Array view) does not.
  // (Bun's client accepts it; the DOM typing of WebSocket does not know it.)
  (ws as unknown as { binaryType: string }).binaryType = "nodebuffer";
  await opened(ws);
  let joined!: () => void;
  const joinAcked = new Promise<void>((r) => (joined = r));
  let isJoined = false;
  ws.onmessage = (m) => {
    const data = m.data as string | ArrayBuffer | Uint8Array;
    const bytes = typeof data === "string" ? undefined : data instanceof Uint8Array ? data : new Uint8Array(data);
    const hit = bytes === undefined ? senderAndTime(data as string) : senderAndTimeBinary(bytes);
    if (hit) return delivered(c, hit, id, onOwn);
    if (isJoined) {
      if (bytes === undefined ? isAckText(data as string) : isAckBinary(bytes)) clock.acked(c);
      return;
    }
    const f = codec.decode(data) as { type: string; id?: string };
    if (f.type === "ack" && f.id === "join") { isJoined = true; joined(); }
  };
  ws.send(codec.encode({ type: "hello", user: `u${id}`, device: `lg-${run}`, client: "bench" }));
  ws.send(codec.encode({ type: "join", id: "join", room: "bench" }));
  await joinAcked;
  return {
    send: () => {
      clock.sent(performance.now());
      ws.send(codec.encode({ type: "send", to: { room: "bench" }, cmid: newCmid(), text: messageText(id, pad) }));
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
