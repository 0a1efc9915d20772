/**
 * The presence bus in memory: every bus made from one MemoryPresenceNetwork hears the others.
 * Delivery is asynchronous (a later task), ordered, and can be cut per listener (`drop`) to play
 * a lost notification in tests.
 */
import { checkPayloads, type BusHandlers, type PresenceBus } from "./presence-bus.ts";

export class MemoryPresenceNetwork {
  readonly listeners = new Set<{ handlers: BusHandlers; dropping: boolean }>();
  /** Deliveries are chained so that calls are delivered in the order they were made. */
  private chain: Promise<void> = Promise.resolve();

  deliver(payloads: readonly string[]): Promise<void> {
    const copy = [...payloads];
    this.chain = this.chain.then(() => new Promise<void>((resolve) => setTimeout(() => {
      for (const l of [...this.listeners]) if (!l.dropping) for (const p of copy) l.handlers.onMessage(p);
      resolve();
    }, 0)));
    return this.chain;
  }

  bus(): MemoryPresenceBus {
    return new MemoryPresenceBus(this);
  }
}

export class MemoryPresenceBus implements PresenceBus {
  private readonly mine = new Set<{ handlers: BusHandlers; dropping: boolean }>();
  private closed = false;

  constructor(private readonly network: MemoryPresenceNetwork) {}

  async send(payloads: readonly string[]): Promise<void> {
    if (this.closed) throw new Error("presence bus closed");
    checkPayloads(payloads);
    await this.network.deliver(payloads);
  }

  async listen(handlers: BusHandlers) {
    const l = { handlers, dropping: false };
    this.mine.add(l);
    this.network.listeners.add(l);
    setTimeout(() => handlers.onListening(), 0);
    return {
      stop: async () => { this.mine.delete(l); this.network.listeners.delete(l); },
    };
  }

  /** Test hook: this bus's listeners miss everything until `reconnect()` (which runs onListening). */
  drop(): void {
    for (const l of this.mine) l.dropping = true;
  }

  /** Test hook: hears again without noticing it missed anything (no onListening): a silently lost notification. */
  resume(): void {
    for (const l of this.mine) l.dropping = false;
  }

  reconnect(): void {
    for (const l of this.mine) {
      l.dropping = false;
      setTimeout(() => l.handlers.onListening(), 0);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const l of this.mine) this.network.listeners.delete(l);
    this.mine.clear();
  }
}
