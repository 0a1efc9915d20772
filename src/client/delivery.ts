/**
 * Per-stream delivery: every event once, in seq order. Duplicates (at or below the cursor) are
 * dropped; an event past `cursor + 1` starts a repair that fetches the hole with `history` while
 * later events of that stream wait. Invariant: an event is handed on only when its seq is the
 * cursor + 1 (or a stream's first, or my own re-join), so what comes out has no gap and no repeat.
 */
import { eventFrame, type EventData, type EventFrame } from "../protocol/index.ts";
import type { CursorBook } from "./cursors.ts";
import { CommandError } from "./requests.ts";

const REPAIR_PAGE = 500;

export interface DeliveryHooks {
  /** Who I am (my own `joined` may jump a room's seq: a re-join starts a new span). */
  me(): string;
  /** Events of `stream` after `after`, oldest first (a `history` command). */
  fetch(stream: string, after: number, limit: number): Promise<EventData[]>;
  /** An event to hand to the application; the cursor already includes it. */
  deliver(e: EventFrame): void;
  gap(g: { stream: string; from: number; to: number }): void;
  /** A repair timed out on a connection that looks up: give it up, the resume will repair. */
  stalled(): void;
}

export class Delivery {
  /** Streams being repaired, with the events that arrived meanwhile (the first is the one past the gap). */
  private readonly held = new Map<string, EventFrame[]>();
  /** Bumped when the connection ends, so a repair begun on it knows it is stale. */
  private generation = 0;

  constructor(private readonly cursors: CursorBook, private readonly hooks: DeliveryHooks) {}

  accept(e: EventFrame): void {
    const held = this.held.get(e.stream);
    if (held) return void held.push(e);
    const verdict = this.cursors.judge(e, this.hooks.me());
    if (verdict === "duplicate") return;
    if (verdict === "gap") return void this.repair(e);
    this.take(e);
  }

  /** The connection ended: held events are dropped, not delivered; the next resume replays them from the cursor. */
  reset(): void {
    this.generation += 1;
    this.held.clear();
  }

  private take(e: EventFrame): void {
    this.cursors.advance(e);
    this.hooks.deliver(e);
  }

  /**
   * Fetches what is missing before `e`, then delivers it and what arrived meanwhile, in order.
   * If the connection ends first, the resume takes over; if the server refuses, the hole is
   * accepted rather than stall the stream for good.
   */
  private async repair(e: EventFrame): Promise<void> {
    const stream = e.stream;
    const from = this.cursors.get(stream) ?? 0;
    const generation = this.generation;
    this.hooks.gap({ stream, from: from + 1, to: e.seq - 1 });
    this.held.set(stream, [e]);
    try {
      let after = from;
      while (after < e.seq - 1) {
        const page = await this.hooks.fetch(stream, after, Math.min(REPAIR_PAGE, e.seq - 1 - after));
        if (generation !== this.generation) return;
        const events = page.filter((x) => x.seq > after && x.seq < e.seq);
        if (events.length === 0) break; // gone (retention): nothing more to fetch
        for (const x of events) this.take(eventFrame(x));
        after = events[events.length - 1]!.seq;
      }
    } catch (err) {
      if (generation !== this.generation) return;
      if (err instanceof CommandError && err.code === "timeout") {
        this.held.delete(stream);
        return void this.hooks.stalled();
      }
    }
    if (generation !== this.generation) return;
    this.cursors.advance({ stream, seq: e.seq - 1 });
    const waiting = this.held.get(stream) ?? [];
    this.held.delete(stream);
    for (const x of waiting) this.accept(x);
  }
}
