/**
 * What the user wrote that must survive a reload: drafts per conversation and messages the
 * server refused (kept until the user retries, edits or dismisses them). The SDK forgets a
 * refused send (it can never be delivered as is), so without this its text would be lost.
 */
import type { OutboxItem } from "../client/index.ts";

export interface Kept {
  draft(stream: string): string;
  setDraft(stream: string, text: string): void;
  failed(): OutboxItem[];
  addFailed(item: OutboxItem): void;
  removeFailed(cmid: string): void;
}

/** Refused messages kept at most: a flood of failures must not fill localStorage. */
const MAX_FAILED = 50;

export function keptIn(base: string, local: Storage = localStorage): Kept {
  const read = <T>(k: string, fallback: T): T => {
    try { return (JSON.parse(local.getItem(k) ?? "null") as T | null) ?? fallback; } catch { return fallback; }
  };
  const write = (k: string, v: unknown) => { try { local.setItem(k, JSON.stringify(v)); } catch { /* quota: keep going */ } };
  const failedKey = `${base}:failed`;
  return {
    draft: (stream) => read<string>(`${base}:draft:${stream}`, ""),
    setDraft: (stream, text) => (text ? write(`${base}:draft:${stream}`, text) : local.removeItem(`${base}:draft:${stream}`)),
    failed: () => read<OutboxItem[]>(failedKey, []).filter((i) => typeof i?.cmid === "string" && typeof i.text === "string" && i.to),
    addFailed(item) {
      const list = read<OutboxItem[]>(failedKey, []).filter((i) => i.cmid !== item.cmid);
      write(failedKey, [...list, item].slice(-MAX_FAILED));
    },
    removeFailed(cmid) { write(failedKey, read<OutboxItem[]>(failedKey, []).filter((i) => i.cmid !== cmid)); },
  };
}
