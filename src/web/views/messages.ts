/**
 * The message list: day separators, author, time, own messages distinct, send state (with a
 * dismiss button on failures), and the new-messages divider after the read cursor.
 */
import type { Message } from "../chat-state.ts";
import { failureText } from "./composer.ts";
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
  /** The server's text limit, to say why a message was refused. */
  maxText: number;
  dismiss: (m: Message) => void;
  /** Sends a refused message again as it is. */
  retry: (m: Message) => void;
  /** Puts a refused message back in the composer. */
  edit: (m: Message) => void;
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
    const failed = m.state === "failed" && m.failure ? failureText(m.failure.code, m.failure.message, o.maxText) : STATE_LABEL[m.state];
    if (mine) meta.append(el("span", { class: "state", title: m.error ?? "" }, failed));
    const node = el("article", {
      class: `msg${mine ? " mine" : ""}${m.deleted ? " deleted" : ""}`, "data-state": m.state, "data-seq": m.seq === undefined ? "" : String(m.seq), "data-cmid": m.cmid ?? "",
    }, meta, el("div", { class: "text" }, m.text));
    if (m.state === "failed") {
      const actions = el("div", { class: "actions" });
      for (const [label, act] of [["Retry", o.retry], ["Edit", o.edit], ["Dismiss", o.dismiss]] as const) {
        const b = el("button", { type: "button", class: "link", "aria-label": `${label} failed message` }, label);
        b.addEventListener("click", () => act(m));
        actions.append(b);
      }
      node.append(actions);
    }
    return node;
  } };
}
