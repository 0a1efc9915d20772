/**
 * The last seq seen per stream, and the verdict on each incoming event: new, duplicate
 * (already seen: drop it), or gap (something is missing before it: fetch it first).
 */
import type { Cursors, EventData } from "../protocol/index.ts";

export type Verdict = "new" | "duplicate" | "gap";

export class CursorBook {
  constructor(private readonly cursors: Cursors = {}) {}

  get(stream: string): number | undefined { return this.cursors[stream]; }
  all(): Cursors { return { ...this.cursors }; }
  clear(): void { for (const k of Object.keys(this.cursors)) delete this.cursors[k]; }
  /** Sets a cursor only if the stream has none (a fresh start begins at the head). */
  initialise(stream: string, seq: number): void { if (this.cursors[stream] === undefined) this.cursors[stream] = seq; }

  /** `me` lets a jump to my own `joined` event through: a re-join starts a new span of the room. */
  judge(e: EventData, me: string): Verdict {
    const c = this.cursors[e.stream];
    if (c === undefined) return "new";
    if (e.seq <= c) return "duplicate";
    if (e.seq === c + 1 || (e.kind === "joined" && e.author === me)) return "new";
    return "gap";
  }

  /** Forgets a stream (a room I left): a later resume starts it from where I rejoin. */
  forget(stream: string): void { delete this.cursors[stream]; }

  rewind(stream: string, seq: number): void {
    if ((this.cursors[stream] ?? 0) > seq) this.cursors[stream] = seq;
  }

  advance(e: Pick<EventData, "stream" | "seq">): void {
    if ((this.cursors[e.stream] ?? 0) < e.seq) this.cursors[e.stream] = e.seq;
  }
}
