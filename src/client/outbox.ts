/**
 * Messages the user sent that the server has not acknowledged yet. Each keeps its client
 * message id, so re-sending after a reconnect (or a page reload) can never duplicate it:
 * the server answers a known cmid with the original ack.
 */
import type { SendTarget } from "../protocol/index.ts";

export type OutboxStatus = "pending" | "sent" | "failed";

export interface OutboxItem {
  cmid: string;
  to: SendTarget;
  text: string;
  createdAt: number;
  status: OutboxStatus;
  /** Set when sent: where the message landed. */
  stream?: string;
  seq?: number;
  /** Set when failed. */
  error?: { code: string; message: string };
}

export class Outbox {
  private readonly items = new Map<string, OutboxItem>();

  constructor(saved: OutboxItem[] = []) {
    for (const i of saved) if (i.status === "pending") this.items.set(i.cmid, i);
  }

  add(item: OutboxItem): void { this.items.set(item.cmid, item); }
  get(cmid: string): OutboxItem | undefined { return this.items.get(cmid); }
  /** Pending items in the order they were written. */
  pending(): OutboxItem[] { return [...this.items.values()].filter((i) => i.status === "pending"); }

  /** Marks an item settled and forgets it (the log has it now, or it can never be sent). */
  settle(cmid: string, patch: Partial<OutboxItem>): OutboxItem | undefined {
    const item = this.items.get(cmid);
    if (!item) return undefined;
    this.items.delete(cmid);
    return { ...item, ...patch };
  }

  /** What to persist: only what still needs sending. */
  toJSON(): OutboxItem[] { return this.pending(); }
}
