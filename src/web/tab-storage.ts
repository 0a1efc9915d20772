/**
 * Client storage for a browser tab. Every tab of a user keeps its own entry (`<base>#<tab>`),
 * because two SDK clients writing one entry would overwrite each other's outbox. A tab that
 * starts adopts the unsent messages of its siblings: they keep their client message ids, so a
 * message a sibling already sent is acknowledged as a duplicate, never appended twice. Entries
 * of tabs silent for longer than `staleMs` are removed once adopted (such a tab was closed).
 *
 * Cursors are not restored across page loads: a load starts fresh (the welcome gives unread
 * counts, history fills the open conversation) instead of replaying everything since the last
 * visit; within a page's life the SDK resumes from its in-memory cursors.
 */
import type { ClientStorage, OutboxItem, SavedState } from "../client/index.ts";

interface TabEntry extends SavedState { savedAt?: number }

export interface TabStorageOptions {
  base: string;
  tab: string;
  local?: Storage;
  now?: () => number;
  staleMs?: number;
}

export function tabStorage({ base, tab, local = localStorage, now = Date.now, staleMs = 60_000 }: TabStorageOptions): ClientStorage {
  const key = `${base}#${tab}`;
  const read = (k: string): TabEntry | undefined => {
    try { return JSON.parse(local.getItem(k) ?? "null") ?? undefined; } catch { return undefined; }
  };
  return {
    load() {
      const own = read(key);
      const outbox = new Map<string, OutboxItem>((own?.outbox ?? []).map((i) => [i.cmid, i]));
      for (let i = local.length - 1; i >= 0; i--) {
        const k = local.key(i);
        if (!k || k === key || !k.startsWith(`${base}#`)) continue;
        const sibling = read(k);
        for (const item of sibling?.outbox ?? []) if (item.status === "pending" && !outbox.has(item.cmid)) outbox.set(item.cmid, item);
        if (!sibling || now() - (sibling.savedAt ?? 0) > staleMs) local.removeItem(k);
      }
      return { epoch: own?.epoch, device: own?.device, cursors: {}, outbox: [...outbox.values()] };
    },
    save(s) {
      try { local.setItem(key, JSON.stringify({ ...s, savedAt: now() })); } catch { /* quota or private mode: keep going in memory */ }
    },
  };
}

/** This tab's id: kept in sessionStorage, so it survives a reload of the tab but not a new tab. */
export function tabId(session: Storage = sessionStorage): string {
  let id = session.getItem("hubbub:tab");
  if (!id) session.setItem("hubbub:tab", (id = crypto.randomUUID().slice(0, 8)));
  return id;
}

/** One device id per browser profile: the tabs of one browser are one device in presence. */
export function profileDevice(local: Storage = localStorage): string {
  let id = local.getItem("hubbub:device");
  if (!id) local.setItem("hubbub:device", (id = `web-${crypto.randomUUID().slice(0, 8)}`));
  return id;
}
