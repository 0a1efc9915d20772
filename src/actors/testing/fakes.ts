/** In-memory stand-ins for the actors' ports, so the actor system can be tested without Bun.serve. */
import { jsonCodec, type ServerFrame, type WireData } from "../../protocol/index.ts";
import type { Fanout, Socket } from "../ports.ts";

export class FakeFanout implements Fanout {
  private readonly topics = new Map<string, Set<FakeSocket>>();
  publish(topic: string, data: WireData): void {
    for (const s of this.topics.get(topic) ?? []) s.receive(data);
  }
  subscriberCount(topic: string): number { return this.topics.get(topic)?.size ?? 0; }
  subscribe(topic: string, s: FakeSocket): void {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(s);
  }
  unsubscribe(topic: string, s: FakeSocket): void { this.topics.get(topic)?.delete(s); }
  drop(s: FakeSocket): void { for (const set of this.topics.values()) set.delete(s); }
}

/** A JSON socket that decodes everything it is sent and hands it to `onFrame`. */
export class FakeSocket implements Socket {
  readonly encoding = "json" as const;
  closed: { code: number; reason: string } | undefined;
  constructor(private readonly fanout: FakeFanout, private readonly onFrame: (f: ServerFrame) => void) {}
  sendBatch(frames: WireData[]): void { for (const f of frames) this.receive(f); }
  receive(data: WireData): void {
    if (!this.closed) this.onFrame(jsonCodec.decode(data) as ServerFrame);
  }
  subscribe(topic: string): void { this.fanout.subscribe(topic, this); }
  unsubscribe(topic: string): void { this.fanout.unsubscribe(topic, this); }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.fanout.drop(this);
  }
  bufferedAmount(): number { return 0; }
}
