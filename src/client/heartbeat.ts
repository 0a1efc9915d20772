/**
 * Liveness of one connection. The client pings every `intervalMs`, or with `pingWhenSilentMs`
 * only after that long without a frame (the server's own heartbeat keeps it quiet); any frame
 * from the server counts as traffic. Silence for `deadAfter` intervals declares the connection dead, whatever
 * the socket thinks: a half-open TCP connection (laptop lid closed, NAT entry expired) can
 * look open for minutes. Also used before the welcome, with the default interval, so a socket
 * stuck connecting or a server that never answers `hello` is abandoned too.
 */
import type { Clock } from "./clock.ts";

export interface HeartbeatOptions {
  intervalMs: number;
  /** Silent intervals before the connection is declared dead. */
  deadAfter?: number;
  /** Send a ping; omitted before the connection is open. */
  ping?: () => void;
  /**
   * Ping only when nothing was heard for this long (a server that sends its own heartbeat is
   * then never pinged); unset: ping every interval.
   */
  pingWhenSilentMs?: number;
  onDead: () => void;
}

export class Heartbeat {
  private lastTraffic: number;
  private pingTimer: unknown;
  private watchTimer: unknown;
  private stopped = false;

  constructor(private readonly clock: Clock, private readonly o: HeartbeatOptions) {
    this.lastTraffic = clock.now();
    this.watch(this.window());
    if (o.ping) this.schedulePing();
  }

  /** Something arrived: the connection is alive. Cheap (no timer work): called per frame. */
  touch(): void { this.lastTraffic = this.clock.now(); }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.pingTimer);
    this.clock.clearTimeout(this.watchTimer);
  }

  private window(): number { return (this.o.deadAfter ?? 3) * this.o.intervalMs; }

  /** One timer, re-armed for when the silence would reach the window, so `touch` stays free. */
  private watch(ms: number): void {
    this.watchTimer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      const silent = this.clock.now() - this.lastTraffic;
      if (silent >= this.window()) {
        this.stop();
        this.o.onDead();
      } else {
        this.watch(this.window() - silent);
      }
    }, ms);
  }

  private schedulePing(ms = this.o.pingWhenSilentMs ?? this.o.intervalMs): void {
    this.pingTimer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      const quiet = this.o.pingWhenSilentMs;
      const silent = this.clock.now() - this.lastTraffic;
      if (quiet !== undefined && silent < quiet) return this.schedulePing(quiet - silent);
      this.o.ping?.();
      this.schedulePing();
    }, ms);
  }
}
