/**
 * A fan-out that also knows how many sockets each publish reaches, for the metrics: it keeps a
 * subscriber count per topic beside the inner fan-out's own (Bun can only be asked one topic at a
 * time, at a cost: 6 % of the JS thread when fan-out asked before every publish), so a publish's
 * deliveries are one Map lookup. Used only with metrics on.
 */
import type { WireData } from "../protocol/index.ts";
import type { Fanout, Socket } from "./ports.ts";

export class CountingFanout implements Fanout {
  private readonly counts = new Map<string, number>();
  /** Topics per socket, so a closed socket's subscriptions can be taken back out of the counts. */
  private readonly following = new WeakMap<Socket, string[]>();

  constructor(private readonly inner: Fanout, private readonly published: (data: WireData, deliveries: number) => void) {}

  publish(topic: string, data: WireData): void {
    this.inner.publish(topic, data);
    this.published(data, this.counts.get(topic) ?? 0);
  }

  subscribe(socket: Socket, topic: string): void {
    this.inner.subscribe(socket, topic);
    let topics = this.following.get(socket);
    if (!topics) this.following.set(socket, (topics = []));
    if (topics.includes(topic)) return;
    topics.push(topic);
    this.counts.set(topic, (this.counts.get(topic) ?? 0) + 1);
  }

  unsubscribe(socket: Socket, topic: string): void {
    this.inner.unsubscribe(socket, topic);
    const topics = this.following.get(socket);
    const at = topics?.indexOf(topic) ?? -1;
    if (at < 0) return;
    topics!.splice(at, 1);
    this.uncount(topic);
  }

  release(socket: Socket): void {
    this.inner.release(socket);
    for (const t of this.following.get(socket) ?? []) this.uncount(t);
    this.following.delete(socket);
  }

  /** Subscribers of a topic as counted here (for tests and diagnostics). */
  subscribers(topic: string): number { return this.counts.get(topic) ?? 0; }

  private uncount(topic: string): void {
    const n = (this.counts.get(topic) ?? 0) - 1;
    if (n > 0) this.counts.set(topic, n);
    else this.counts.delete(topic);
  }
}
