/**
 * The message list: day separators, author, time, own messages distinct, send state (with a
 * dismiss button on failures), and the new-messages divider after the read cursor.
 */
import type { Message } from "../chat-state.ts";
import { el } from "./dom.ts";
import { reconcile, type Keyed } from "./reconcile.ts";

const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const STATE_LABEL = { pending: "sending…", sent: "✓ sent", failed: "failed" } as const;

function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

function dayLabel(ms: number, now = Date.now()): string {
  if (dayKey(ms) === dayKey(now)) return "Today";
  if (dayKey(ms) === dayKey(now - 86_400_000)) return "Yesterday";
  return new Date(ms).toLocaleDateString([], { weekday: "short", day: "numeric", month: "short", year: "numeric" });
}

export interface MessageListOptions {
  me: string;
  /** Messages by others after this seq are new: the divider goes before the first of them. */
  dividerAfter: number | undefined;
  /** Whether older history remains on the server. */
  more: boolean;
  dismiss: (m: Message) => void;
}

export function renderMessages(box: HTMLElement, messages: Message[], o: MessageListOptions): void {
  const items: Keyed[] = [];
  const top = o.more ? "scroll up for older messages" : messages.length > 0 ? "beginning of the conversation" : "no messages yet";
  items.push({ key: "top", sig: top, build: () => el("p", { class: "notice" }, top) });
  let dividerShown = false;
  let day = "";
  for (const m of messages) {
    if (dayKey(m.at) !== day) {
      day = dayKey(m.at);
      const label = dayLabel(m.at);
      items.push({ key: `day:${day}`, sig: label, build: () => el("h3", { class: "day" }, label) });
    }
    if (!dividerShown && o.dividerAfter !== undefined && m.kind === "message" && m.seq !== undefined && m.seq > o.dividerAfter && m.author !== o.me) {
      items.push({ key: "divider", sig: "", build: () => el("p", { class: "divider", role: "separator" }, "new messages") });
      dividerShown = true;
    }
    items.push(messageItem(m, o));
  }
  reconcile(box, items);
}

function messageItem(m: Message, o: MessageListOptions): Keyed {
  const mine = m.author === o.me;
  if (m.kind !== "message") {
    return { key: m.key, sig: "", build: () => el("p", { class: "notice", "data-seq": String(m.seq ?? "") }, `${m.author} ${m.kind === "joined" ? "joined" : "left"}`) };
  }
  const sig = JSON.stringify([m.text, m.state, m.edited, m.deleted, m.error, mine]);
  return { key: m.key, sig, build: () => {
    const meta = el("div", { class: "meta" },
      el("span", { class: "author" }, mine ? "you" : m.author),
      el("time", { datetime: new Date(m.at).toISOString(), title: new Date(m.at).toLocaleString() }, time(m.at)));
    if (m.edited) meta.append(el("span", {}, "(edited)"));
    if (mine) meta.append(el("span", { class: "state", title: m.error ?? "" }, m.state === "failed" && m.error ? `failed: ${m.error}` : STATE_LABEL[m.state]));
    const node = el("article", {
      class: `msg${mine ? " mine" : ""}${m.deleted ? " deleted" : ""}`, "data-state": m.state, "data-seq": m.seq === undefined ? "" : String(m.seq), "data-cmid": m.cmid ?? "",
    }, meta, el("div", { class: "text" }, m.text));
    if (m.state === "failed") {
      const b = el("button", { type: "button", class: "link", "aria-label": "Dismiss failed message" }, "Dismiss");
      b.addEventListener("click", () => o.dismiss(m));
      node.append(b);
    }
    return node;
  } };
}
