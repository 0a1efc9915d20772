/** Client state in the browser's localStorage, one key per user and server. */
import type { ClientStorage, SavedState } from "./storage.ts";

export function localStorageStorage(key: string, store: Storage = globalThis.localStorage): ClientStorage {
  return {
    load() {
      try {
        const raw = store.getItem(key);
        return raw ? (JSON.parse(raw) as SavedState) : undefined;
      } catch {
        return undefined; // corrupt or unavailable: start fresh rather than fail
      }
    },
    save(s) {
      try { store.setItem(key, JSON.stringify(s)); } catch { /* quota or private mode: keep going in memory */ }
    },
  };
}
