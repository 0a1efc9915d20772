/**
 * The last-seen history, kept in localStorage so that a reload without the server shows the
 * conversations as they were (with the outbox on top, from tab-storage.ts). Display only:
 * the app replaces it with the server's newest page once connected.
 */
import type { ChatSnapshot } from "./chat-state.ts";

export interface HistoryCache {
  load(): ChatSnapshot | undefined;
  save(snap: ChatSnapshot): void;
}

export function historyCache(base: string, local: Storage = localStorage): HistoryCache {
  const key = `${base}:history`;
  return {
    load() {
      try {
        const s = JSON.parse(local.getItem(key) ?? "null") as ChatSnapshot | null;
        return s && typeof s.me === "string" && Array.isArray(s.streams) && typeof s.messages === "object" ? s : undefined;
      } catch {
        return undefined;
      }
    },
    save(snap) {
      try { local.setItem(key, JSON.stringify(snap)); } catch { local.removeItem(key); /* over quota: better none than a stale one */ }
    },
  };
}
