/**
 * In-memory stand-ins for the actors' ports, so the actor system can be tested without Bun.serve.
 *
 * FakeFanout is the in-memory fan-out (src/fanout/memory.ts) that also records every publish; it delivers synchronously, like
 * `server.publish` does. FakeSocket decodes everything written to it with its own encoding and
 * records the frames, in arrival order, whether they came from the connection (`sendBatch`) or
 * from a topic (`receive`). Bytes of the wrong wire type for the socket's encoding (text on a
 * msgpack socket, binary on a JSON socket) are recorded in `wireErrors` instead of being hidden.
 */
import { codecFor, type Codec, type Encoding, type EventFrame, type ServerFrame, type WireData } from "../../protocol/index.ts";
import { MemoryFanout } from "../../fanout/memory.ts";
import type { Socket } from "../../fanout/ports.ts";

/** The in-memory fan-out, delivering to FakeSockets as "topic" and recording every publish. */
export class FakeFanout extends MemoryFanout {
  /** Every publish, in order (topic and the bytes): lets a test check "encoded once per encoding". */
  readonly published: { topic: string; data: WireData }[] = [];

  constructor() {
    super((s, data) => (s instanceof FakeSocket ? s.receive(data, "topic") : s.sendBatch([data])));
  }

  override publish(topic: string, data: WireData): void {
    this.published.push({ topic, data });
    super.publish(topic, data);
  }

  override subscribe(socket: Socket, topic: string): void {
    if (socket instanceof FakeSocket && socket.closed) return; // as in Bun: a closed socket follows nothing
    super.subscribe(socket, topic);
  }
}

/** How a frame reached the socket: written by its connection, or published to a topic it follows. */
export type Via = "conn" | "topic";

export interface FakeSocketOptions {
  encoding?: Encoding;
  /** Called for every decoded frame, after it is recorded. */
  onFrame?: (f: ServerFrame, via: Via) => void;
}

export class FakeSocket implements Socket {
  readonly encoding: Encoding;
  readonly frames: ServerFrame[] = [];
  /** `via[i]` says how `frames[i]` arrived. */
  readonly via: Via[] = [];
  readonly wireErrors: string[] = [];
  closed: { code: number; reason: string } | undefined;
  private backlog = 0;
  private drainWaiters: (() => void)[] = [];
  /** Number of `sendBatch` calls (one per corked write). */
  batches = 0;
  private readonly codec: Codec;
  private readonly onFrame: ((f: ServerFrame, via: Via) => void) | undefined;

  constructor(private readonly fanout: FakeFanout, opts: FakeSocketOptions = {}) {
    this.encoding = opts.encoding ?? "json";
    this.codec = codecFor(this.encoding);
    this.onFrame = opts.onFrame;
  }

  sendBatch(frames: WireData[]): void {
    if (this.closed) return;
    this.batches += 1;
    for (const f of frames) this.receive(f, "conn");
  }

  receive(data: WireData, via: Via = "topic"): void {
    if (this.closed) return;
    const textual = typeof data === "string";
    if (textual !== (this.encoding === "json")) {
      this.wireErrors.push(`${textual ? "text" : "binary"} data on a ${this.encoding} socket`);
      return;
    }
    const f = this.codec.decode(data) as ServerFrame;
    this.frames.push(f);
    this.via.push(via);
    this.onFrame?.(f, via);
  }

  /** What `bufferedAmount()` reports; set it to simulate a slow reader. Lowering it is a drain. */
  get buffered(): number { return this.backlog; }
  set buffered(bytes: number) {
    const drained = bytes < this.backlog;
    this.backlog = bytes;
    if (drained) this.wake();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = { code, reason };
    this.fanout.release(this);
    this.wake();
  }
  /** Number of `bufferedAmount()` calls: what looking at this socket cost. */
  lookups = 0;
  bufferedAmount(): number { this.lookups += 1; return this.backlog; }
  drained(): Promise<void> {
    if (this.closed || this.backlog === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }
  private wake(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  topics(): string[] { return this.fanout.topicsOf(this); }

  /** Recorded frames of one type. */
  ofType<T extends ServerFrame["type"]>(type: T): Extract<ServerFrame, { type: T }>[] {
    return this.frames.filter((f): f is Extract<ServerFrame, { type: T }> => f.type === type);
  }
  /** Recorded events, optionally of one stream. */
  events(stream?: string): EventFrame[] {
    return this.ofType("event").filter((e) => stream === undefined || e.stream === stream);
  }
  /** The reply (any frame) that echoes command id `id`. */
  reply(id: string | number): ServerFrame | undefined {
    return this.frames.find((f) => "id" in f && f.id === id);
  }
}
