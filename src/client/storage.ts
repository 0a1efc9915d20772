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

export function memoryStorage(initial?: SavedState): ClientStorage & { state: SavedState | undefined } {
  return {
    state: initial ? structuredClone(initial) : undefined,
    load() { return this.state ? structuredClone(this.state) : undefined; },
    save(s) { this.state = structuredClone(s); },
  };
}
