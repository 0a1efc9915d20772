/**
 * The in-memory twin of the fan-out ports: topics as a map of sets, delivered synchronously,
 * like Bun's `server.publish`. The actor tests run on it; it passes the same contract suite as
 * the Bun adapter.
 */
import type { WireData } from "../protocol/index.ts";
import type { Fanout, Socket } from "./ports.ts";

/** How a published frame reaches a socket; by default it is written like any other frame. */
export type Deliver = (socket: Socket, data: WireData) => void;

export class MemoryFanout implements Fanout {
  private readonly topics = new Map<string, Set<Socket>>();

  constructor(private readonly deliver: Deliver = (s, d) => s.sendBatch([d])) {}

  publish(topic: string, data: WireData): void {
    const subs = this.topics.get(topic);
    if (subs) for (const s of [...subs]) this.deliver(s, data);
  }

  subscribe(socket: Socket, topic: string): void {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(socket);
  }

  unsubscribe(socket: Socket, topic: string): void {
    const set = this.topics.get(topic);
    if (!set) return;
    set.delete(socket);
    if (set.size === 0) this.topics.delete(topic);
  }

  /** A closed socket leaves every topic, as it does in Bun. */
  release(socket: Socket): void {
    for (const [t, set] of this.topics) if (set.delete(socket) && set.size === 0) this.topics.delete(t);
  }

  subscriberCount(topic: string): number { return this.topics.get(topic)?.size ?? 0; }

  /** Topics `socket` follows, sorted (for tests and diagnostics). */
  topicsOf(socket: Socket): string[] {
    return [...this.topics].filter(([, set]) => set.has(socket)).map(([t]) => t).sort();
  }
}
