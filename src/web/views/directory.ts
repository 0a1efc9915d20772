/** The room directory (the first screen after sign-in) and search results. */
import { isRoomName } from "../../protocol/index.ts";
import type { RoomEntry } from "../chat-state.ts";
import type { EventData } from "../../protocol/index.ts";
import { parse } from "../../protocol/message-format.ts";
import { el } from "./dom.ts";
import { reconcile } from "./reconcile.ts";
import { richText } from "./rich-text.ts";

/** What is new in one of my rooms, shown beside it in the directory. */
export interface RoomNews { unread: number; mentions: number }

/**
 * Rooms matching the filter, busiest first; a free name can be created from here. My rooms carry
 * their unread and mention counts: on a phone the directory is the first screen, and the only one
 * that lists rooms until the user goes back to the full list.
 */
export function renderDirectory(list: HTMLElement, rooms: RoomEntry[], filter: string, enter: (room: string, member: boolean, opts?: { private: boolean }) => void, newsOf: (room: string) => RoomNews | undefined = () => undefined): void {
  const q = filter.trim().replace(/^#/, "").toLowerCase();
  const matching = rooms
    .filter((r) => !q || r.room.toLowerCase().includes(q) || r.topic.toLowerCase().includes(q))
    .sort((a, b) => b.members - a.members || a.room.localeCompare(b.room));
  // At most 200 others, but never one of mine: on a phone this is where my rooms' counts are.
  let others = 0;
  const shown = matching.filter((r) => r.member || ++others <= 200);
  const items = shown.map((r) => {
    const news = r.member ? newsOf(r.room) : undefined;
    return { key: r.room, sig: `${r.members}|${r.member}|${r.topic}|${news?.unread}|${news?.mentions}|${r.private}|${r.invited}|${r.role}`, build: () => {
      const aria = `${r.member ? "Open" : "Join"} #${r.room}${!r.member && r.invited ? " (invited)" : ""}`;
      const button = el("button", { type: "button", class: r.member ? "secondary" : "", "aria-label": aria }, r.member ? "Open" : "Join");
      button.addEventListener("click", () => enter(r.room, r.member));
      const tags = [r.private && "private", r.role, !r.member && r.invited && "invited"].filter((t): t is string => typeof t === "string");
      return el("li", { "data-room": r.room, ...(r.member ? { "data-member": "" } : {}) },
        el("div", { class: "room-info" },
          el("strong", {}, `#${r.room}`, ...tags.map((t) => el("span", { class: "tag" }, t)), ...badges(news)),
          el("span", { class: "muted small" }, `${r.members} member${r.members === 1 ? "" : "s"}`),
          ...(r.topic ? [el("span", { class: "topic muted" }, r.topic)] : [])),
        button);
    } };
  });
  const name = filter.trim().replace(/^#/, "");
  if (name && isRoomName(name) && !rooms.some((r) => r.room === name)) {
    items.push({ key: `new:${name}`, sig: "", build: () => {
      const button = el("button", { type: "button", "aria-label": `Create #${name}` }, "Create");
      button.addEventListener("click", () => enter(name, false));
      const privately = el("button", { type: "button", class: "secondary", "aria-label": `Create private room #${name}`, title: "Only people you invite can join" }, "Create private");
      privately.addEventListener("click", () => enter(name, false, { private: true }));
      return el("li", { class: "create" }, el("div", { class: "room-info" }, el("strong", {}, `#${name}`), el("span", { class: "muted small" }, "no such room yet")), el("div", { class: "create-buttons" }, button, privately));
    } });
  }
  if (items.length === 0) items.push({ key: "none", sig: q, build: () => el("li", { class: "muted" }, q ? "No room matches." : "No rooms yet: create the first one.") });
  reconcile(list, items);
}

function badges(news: RoomNews | undefined): HTMLElement[] {
  if (!news) return [];
  const out: HTMLElement[] = [];
  if (news.mentions > 0) out.push(el("span", { class: "badge mention" }, `@${news.mentions >= 1000 ? "1000+" : news.mentions}`), el("span", { class: "visually-hidden" }, " mentioning you"));
  if (news.unread > 0) out.push(el("span", { class: "badge" }, news.unread >= 1000 ? "1000+" : String(news.unread)), el("span", { class: "visually-hidden" }, " unread"));
  return out;
}

const when = (ms: number) => new Date(ms).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });

export function renderSearchResults(list: HTMLElement, events: EventData[], me: string): void {
  list.replaceChildren(...events.map((e) => el("li", { "data-seq": String(e.seq) },
    el("div", { class: "meta" }, el("strong", {}, e.author), " ", el("time", { datetime: new Date(e.at).toISOString() }, when(e.at))),
    el("div", { class: "text" }, ...richText(parse(String(e.body.text ?? "")), me)))));
}
