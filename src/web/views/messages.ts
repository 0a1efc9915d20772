/**
 * The message list: day separators, the new-messages divider after the read cursor, messages
 * grouped by author (one header while the same person writes within a few minutes), initials
 * on a stable colour, formatted text, send state, and actions on my own messages: edit and
 * delete when sent, retry / edit / dismiss when refused.
 */
import type { Message, Reaction } from "../chat-state.ts";
import { mentions, parse } from "../../protocol/message-format.ts";
import { avatar } from "./avatar.ts";
import { dayKey, dayLabel } from "./days.ts";
import { failureText } from "./composer.ts";
import { el } from "./dom.ts";
import { reconcile, type Keyed } from "./reconcile.ts";
import { richText } from "./rich-text.ts";

const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const STATE_LABEL = { pending: "sending…", sent: "✓ sent", failed: "failed" } as const;
/** Messages of one author closer together than this share one header. */
const GROUP_MS = 5 * 60_000;


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
  /** Edits a sent message of mine. */
  change: (m: Message) => void;
  remove: (m: Message) => void;
  reactionsOf: (m: Message) => Reaction[];
  /** Adds (`on`) or takes back my reaction. */
  react: (m: Message, emoji: string, on: boolean) => void;
}

/** The emoji offered by "React"; any other can still be sent over the protocol. */
const PALETTE = ["👍", "❤️", "😄", "🎉", "👀", "🙏"];

export function renderMessages(box: HTMLElement, messages: Message[], o: MessageListOptions): void {
  const items: Keyed[] = [];
  const top = o.more ? "scroll up for older messages" : messages.length > 0 ? "beginning of the conversation" : "no messages yet";
  items.push({ key: "top", sig: top, build: () => el("p", { class: "notice" }, top) });
  let dividerShown = false;
  let day = "";
  let prev: Message | undefined;
  for (const m of messages) {
    if (dayKey(m.at) !== day) {
      day = dayKey(m.at);
      const label = dayLabel(m.at);
      items.push({ key: `day:${day}`, sig: label, build: () => el("h3", { class: "day" }, label) });
      prev = undefined;
    }
    if (!dividerShown && o.dividerAfter !== undefined && m.kind === "message" && m.seq !== undefined && m.seq > o.dividerAfter && m.author !== o.me) {
      items.push({ key: "divider", sig: "", build: () => el("p", { class: "divider", role: "separator" }, "new messages") });
      dividerShown = true;
      prev = undefined;
    }
    const grouped = prev !== undefined && prev.kind === "message" && m.kind === "message" && prev.author === m.author && m.at - prev.at < GROUP_MS;
    items.push(messageItem(m, grouped, o));
    prev = m;
  }
  reconcile(box, items);
}

function messageItem(m: Message, grouped: boolean, o: MessageListOptions): Keyed {
  const mine = m.author === o.me;
  if (m.kind !== "message") {
    const said = m.kind === "joined" ? "joined" : m.kind === "left" ? "left" : m.kind === "notice" ? m.text : m.text ? `set the topic: ${m.text}` : "cleared the topic";
    return { key: m.key, sig: said, build: () => el("p", { class: "notice", "data-seq": String(m.seq ?? "") }, `${m.author} ${said}`) };
  }
  const mentionsMe = !mine && !m.deleted && mentions(m.text, o.me);
  const reactions = m.seq !== undefined && !m.deleted ? o.reactionsOf(m) : [];
  const sig = JSON.stringify([m.text, m.state, m.edited, m.deleted, m.error, mine, grouped, reactions]);
  return { key: m.key, sig, build: () => {
    const stamp = el("time", { datetime: new Date(m.at).toISOString(), title: new Date(m.at).toLocaleString() }, time(m.at));
    const meta = el("div", { class: "meta" }, el("span", { class: "author" }, mine ? "you" : m.author), stamp);
    if (m.edited && !m.deleted) meta.append(el("span", {}, "(edited)"));
    if (mine) {
      const label = m.state === "failed" && m.failure ? failureText(m.failure.code, m.failure.message, o.maxText) : STATE_LABEL[m.state];
      meta.append(el("span", { class: "state", title: m.error ?? "" }, label));
    }
    const text = el("div", { class: "text" }, ...(m.deleted ? ["message deleted"] : richText(parse(m.text), o.me)));
    const body = el("div", { class: "body" }, meta, text);
    const classes = ["msg", mine && "mine", grouped && "grouped", m.deleted && "deleted", mentionsMe && "mentions-me"].filter(Boolean).join(" ");
    const node = el("article", {
      class: classes, "data-state": m.state, "data-seq": m.seq === undefined ? "" : String(m.seq), "data-cmid": m.cmid ?? "", "data-author": m.author,
    }, grouped ? el("span", { class: "avatar-space", "aria-hidden": "true" }) : avatar(m.author), body);
    const live = m.state === "sent" && m.seq !== undefined && !m.deleted;
    if (reactions.length > 0) body.append(reactionChips(m, reactions, o));
    const openPalette = () => {
      body.querySelector(".palette")?.remove();
      const palette = el("div", { class: "palette", role: "group", "aria-label": "Pick a reaction" });
      for (const emoji of PALETTE) {
        const b = el("button", { type: "button", class: "chip", "aria-label": `React with ${emoji}` }, emoji);
        b.addEventListener("click", () => { palette.remove(); o.react(m, emoji, true); });
        palette.append(b);
      }
      body.append(palette);
      palette.querySelector("button")?.focus();
    };
    const actions: [string, string, (m: Message) => void][] = m.state === "failed"
      ? [["Retry", "Retry failed message", o.retry], ["Edit", "Edit failed message", o.edit], ["Dismiss", "Dismiss failed message", o.dismiss]]
      : [
        ...(live ? [["React", "Add a reaction", openPalette] as [string, string, (m: Message) => void]] : []),
        ...(live && mine ? [["Edit", "Edit message", o.change], ["Delete", "Delete message", o.remove]] as [string, string, (m: Message) => void][] : []),
      ];
    if (actions.length > 0) {
      const bar = el("div", { class: m.state === "failed" ? "actions" : "actions hover" });
      for (const [label, aria, act] of actions) {
        const b = el("button", { type: "button", class: "link", "aria-label": aria }, label);
        b.addEventListener("click", () => act(m));
        bar.append(b);
      }
      body.append(bar);
    }
    return node;
  } };
}

/** One chip per emoji with its count; mine are pressed, and pressing takes mine back (or adds it). */
function reactionChips(m: Message, reactions: Reaction[], o: MessageListOptions): HTMLElement {
  const box = el("div", { class: "reactions" });
  for (const r of reactions) {
    const mineToo = r.users.includes(o.me);
    const b = el("button", {
      type: "button", class: "chip", "aria-pressed": String(mineToo), title: r.users.join(", "),
      "aria-label": `${r.emoji} ${r.users.length}: ${r.users.join(", ")}`,
    }, `${r.emoji} ${r.users.length}`);
    b.addEventListener("click", () => o.react(m, r.emoji, !mineToo));
    box.append(b);
  }
  return box;
}
