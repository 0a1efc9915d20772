/**
 * In-memory stand-ins for the actors' ports, so the actor system can be tested without Bun.serve.
 *
 * FakeFanout keeps topic -> subscribed sockets and delivers a publish synchronously, like
 * `server.publish` does. FakeSocket decodes everything written to it with its own encoding and
 * records the frames, in arrival order, whether they came from the connection (`sendBatch`) or
 * from a topic (`receive`). Bytes of the wrong wire type for the socket's encoding (text on a
 * msgpack socket, binary on a JSON socket) are recorded in `wireErrors` instead of being hidden.
 */
import { codecFor, type Codec, type Encoding, type EventFrame, type ServerFrame, type WireData } from "../../protocol/index.ts";
import type { Fanout, Socket } from "../ports.ts";

export class FakeFanout implements Fanout {
  private readonly topics = new Map<string, Set<FakeSocket>>();
  /** Every publish, in order (topic and the bytes): lets a test check "encoded once per encoding". */
  readonly published: { topic: string; data: WireData }[] = [];

  publish(topic: string, data: WireData): void {
    this.published.push({ topic, data });
    for (const s of [...(this.topics.get(topic) ?? [])]) s.receive(data);
  }

  subscribe(topic: string, s: FakeSocket): void {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(s);
  }
  unsubscribe(topic: string, s: FakeSocket): void { this.topics.get(topic)?.delete(s); }
  /** A closed socket leaves every topic, as Bun does. */
  drop(s: FakeSocket): void { for (const set of this.topics.values()) set.delete(s); }
  /** Topics `s` is subscribed to, sorted. */
  topicsOf(s: FakeSocket): string[] {
    return [...this.topics].filter(([, set]) => set.has(s)).map(([t]) => t).sort();
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
  /** What `bufferedAmount()` reports; set it to simulate a slow reader. */
  buffered = 0;
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

  subscribe(topic: string): void { if (!this.closed) this.fanout.subscribe(topic, this); }
  unsubscribe(topic: string): void { this.fanout.unsubscribe(topic, this); }
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = { code, reason };
    this.fanout.drop(this);
  }
  bufferedAmount(): number { return this.buffered; }

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
