/**
 * A fan-out that also knows how many sockets each publish reaches, for the metrics. Asking Bun
 * before every publish cost 6 % of the JS thread at saturation, so a topic's count is asked once
 * and remembered until that topic's subscriptions change; a closed socket may have followed any
 * topic, so a release forgets every count. Nothing is kept per socket: the earlier design's
 * list of topics per socket (a WeakMap entry, an array and a copy of each topic name) cost
 * 0.28 KB of JS heap and ~0.5 KB of RSS per hello'd connection (bench/heap-census.ts and
 * bench/rss.ts, metrics on against off). Used only with metrics on.
 */
import type { WireData } from "../protocol/index.ts";
import type { Fanout, Socket } from "./ports.ts";

/** Remembered counts are dropped past this many topics (one per published topic, not per socket). */
const MAX_REMEMBERED = 10_000;

export class CountingFanout implements Fanout {
  private readonly counts = new Map<string, number>();

  constructor(private readonly inner: Fanout, private readonly published: (data: WireData, deliveries: number) => void) {}

  publish(topic: string, data: WireData): void {
    this.inner.publish(topic, data);
    let n = this.counts.get(topic);
    if (n === undefined) {
      if (this.counts.size >= MAX_REMEMBERED) this.counts.clear();
      this.counts.set(topic, (n = this.inner.subscriberCount(topic)));
    }
    this.published(data, n);
  }

  subscribe(socket: Socket, topic: string): void {
    this.inner.subscribe(socket, topic);
    this.counts.delete(topic);
  }

  unsubscribe(socket: Socket, topic: string): void {
    this.inner.unsubscribe(socket, topic);
    this.counts.delete(topic);
  }

  release(socket: Socket): void {
    this.inner.release(socket);
    this.counts.clear();
  }

  subscriberCount(topic: string): number { return this.inner.subscriberCount(topic); }
}
