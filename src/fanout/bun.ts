/**
 * The Bun adapter of the fan-out ports: a `Socket` over a `ServerWebSocket`, and topics that are
 * Bun's own (`ws.subscribe`, `server.publish`: the subscriber loop runs in native code).
 */
import type { Server, ServerWebSocket } from "bun";
import type { Encoding, WireData } from "../protocol/index.ts";
import type { Fanout, Socket } from "./ports.ts";

/**
 * A drain that Bun does not report (it only calls `drain` after a send was refused for
 * backpressure) must not leave a waiter hanging: a waiter re-checks after this long at the latest.
 */
const DRAIN_RECHECK_MS = 250;

/** A class, not an object of closures: one small object per connection. */
export class BunSocket implements Socket {
  /** Waiters for the next drain; made on the first wait (most sockets never wait). */
  private waiters: (() => void)[] | undefined;

  constructor(readonly ws: ServerWebSocket<unknown>, readonly encoding: Encoding) {}

  sendBatch(frames: WireData[]): void {
    const ws = this.ws;
    if (frames.length === 1) ws.send(frames[0]!, false);
    else ws.cork(() => { for (const f of frames) ws.send(f, false); });
  }

  close(code: number, reason: string): void { this.ws.close(code, reason); }
  bufferedAmount(): number { return this.ws.getBufferedAmount(); }

  drained(): Promise<void> {
    if (this.ws.readyState !== 1 || this.ws.getBufferedAmount() === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), DRAIN_RECHECK_MS);
      (this.waiters ??= []).push(() => { clearTimeout(timer); resolve(); });
    });
  }

  /** The transport calls this from Bun's `drain` and `close` handlers. */
  wake(): void {
    const w = this.waiters;
    this.waiters = undefined;
    if (w) for (const f of w) f();
  }
}

export class BunFanout implements Fanout {
  private server: Server<unknown> | undefined;

  /** Bun.serve returns the server only after it has the handlers, so it is attached after. */
  attach(server: Server<unknown>): void { this.server = server; }

  publish(topic: string, data: WireData): void { this.server?.publish(topic, data, false); }
  subscribe(socket: Socket, topic: string): void { bunSocket(socket).ws.subscribe(topic); }
  unsubscribe(socket: Socket, topic: string): void { bunSocket(socket).ws.unsubscribe(topic); }
  /** Bun drops a closed socket's subscriptions itself. */
  release(_socket: Socket): void {}
  subscriberCount(topic: string): number { return this.server?.subscriberCount(topic) ?? 0; }
}

function bunSocket(s: Socket): BunSocket {
  if (!(s instanceof BunSocket)) throw new TypeError("BunFanout follows topics for Bun sockets only");
  return s;
}
