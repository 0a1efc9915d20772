/** Test doubles for the SDK: a manual clock and a scripted WebSocket. */
import { codecFor, type ClientFrame, type EventFrame, type ServerFrame, type WelcomeFrame } from "../protocol/index.ts";
import { HubbubClient, type ClientOptions, type Clock, type SocketFactory, type SocketLike } from "./client.ts";
import { memoryStorage } from "./storage.ts";

export class ManualClock implements Clock {
  t = 1_000_000;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => { const id = this.next++; this.timers.set(id, { at: this.t + ms, fn }); return id; };
  clearTimeout = (h: unknown) => { this.timers.delete(h as number); };
  /** Moves time forward, running due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
    }
    this.t = end;
  }
}

export class FakeServerSocket implements SocketLike {
  binaryType = "blob";
  readyState = 0;
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  readonly sent: ClientFrame[] = [];
  /** Raw frames as the client wrote them (text for JSON, bytes for MessagePack). */
  readonly wire: unknown[] = [];
  /** Speaks the encoding of the subprotocol the client asked for, like the real server. */
  private readonly codec;
  constructor(readonly url: string, readonly protocols: string[]) {
    this.codec = codecFor(protocols.includes("hubbub.v1.msgpack") ? "msgpack" : "json");
  }
  send(data: string | ArrayBufferView | ArrayBuffer): void {
    this.wire.push(data);
    this.sent.push(this.codec.decode(data as string | ArrayBuffer) as ClientFrame);
  }
  close(code = 1000, reason = ""): void { this.serverClose(code, reason); }
  // the "server" side:
  open(): void { this.readyState = 1; this.onopen?.({}); }
  push(f: ServerFrame): void {
    const data = this.codec.encode(f);
    // A browser hands binary frames over as an ArrayBuffer (binaryType "arraybuffer").
    this.onmessage?.({ data: typeof data === "string" ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) });
  }
  serverClose(code: number, reason = ""): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

/** A factory that records every socket the client opens. */
export function fakeSockets(): { factory: SocketFactory; sockets: FakeServerSocket[] } {
  const sockets: FakeServerSocket[] = [];
  return { sockets, factory: (url, protocols) => { const s = new FakeServerSocket(url, protocols); sockets.push(s); return s; } };
}

export const welcome = (over: Partial<WelcomeFrame> = {}): WelcomeFrame => ({
  type: "welcome", id: "hello", user: "ann", device: "d", epoch: "e1", streams: [], reads: {}, heartbeatMs: 1000,
  limits: { maxPayload: 65536, maxText: 4000 }, ...over,
});

/** An event frame for tests: a message by bob unless `extra` says otherwise. */
export const ev = (stream: string, seq: number, extra: Partial<EventFrame> = {}): EventFrame =>
  ({ type: "event", stream, seq, pos: seq, at: 1, author: "bob", kind: "message", body: { text: `m${seq}` }, ...extra });

/** A client for user "ann" on fake sockets and a manual clock, recording what it emits. */
export function clientHarness(o: Partial<ClientOptions> = {}) {
  const clock = new ManualClock();
  const { factory, sockets } = fakeSockets();
  const storage = memoryStorage();
  const c = new HubbubClient({ url: "http://x", user: "ann", client: "cli", socket: factory, clock, random: () => 0.5, storage, signals: {}, ...o });
  const events: EventFrame[] = [];
  c.on("event", (e) => events.push(e));
  const last = () => sockets[sockets.length - 1]!;
  /** Opens the newest socket and answers its hello with a welcome (overridable) and `synced`. */
  const live = (w: Partial<WelcomeFrame> = {}) => {
    const s = last();
    s.open();
    s.push(welcome(w));
    s.push({ type: "synced", id: "hello" });
    return s;
  };
  return { c, clock, sockets, events, live, last, storage };
}

/** One whole event-loop turn: every promise continuation queued before it has run. */
export const macrotask = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** Yields whole event-loop turns until `ready()` holds (answers and timers of the SDK ran), failing after `turns`. */
export async function turnsUntil(ready: () => boolean, what: string, turns = 50): Promise<void> {
  for (let i = 0; !ready(); i++) {
    if (i >= turns) throw new Error(`${what}: still not so after ${turns} turns`);
    await macrotask();
  }
}
