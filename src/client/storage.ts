/**
 * Where a client keeps what must survive a restart: the log's epoch, its device id, its cursors
 * and its outbox. Pluggable: memory (default), browser localStorage, or a file (CLI).
 */
import type { Cursors } from "../protocol/index.ts";
import type { OutboxItem } from "./outbox.ts";

export interface SavedState {
  epoch?: string;
  device?: string;
  cursors: Cursors;
  outbox: OutboxItem[];
}

export interface ClientStorage {
  load(): SavedState | undefined;
  save(state: SavedState): void;
}

/**
 * What was loaded, made safe to use: storage is outside the client's control (an old version,
 * a hand-edited file, another app's key), and bad entries are dropped rather than crash it.
 */
export function normaliseSaved(raw: unknown): SavedState {
  const o = (typeof raw === "object" && raw !== null ? raw : {}) as Partial<Record<keyof SavedState, unknown>>;
  const cursors: Cursors = {};
  if (typeof o.cursors === "object" && o.cursors !== null) {
    for (const [k, v] of Object.entries(o.cursors)) if (Number.isSafeInteger(v) && (v as number) >= 0) cursors[k] = v as number;
  }
  const outbox = (Array.isArray(o.outbox) ? o.outbox : []).filter(isOutboxItem);
  return {
    epoch: typeof o.epoch === "string" ? o.epoch : undefined,
    device: typeof o.device === "string" ? o.device : undefined,
    cursors,
    outbox,
  };
}

function isOutboxItem(i: unknown): i is OutboxItem {
  if (typeof i !== "object" || i === null) return false;
  const x = i as Partial<OutboxItem>;
  const to = x.to as Record<string, unknown> | undefined;
  const target = typeof to === "object" && to !== null && (typeof to.room === "string" || typeof to.user === "string");
  return typeof x.cmid === "string" && typeof x.text === "string" && target && typeof x.createdAt === "number" && typeof x.status === "string";
}

export function memoryStorage(initial?: SavedState): ClientStorage & { state: SavedState | undefined } {
  return {
    state: initial ? structuredClone(initial) : undefined,
    load() { return this.state ? structuredClone(this.state) : undefined; },
    save(s) { this.state = structuredClone(s); },
  };
}
