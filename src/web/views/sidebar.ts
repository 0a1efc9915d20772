/** The room and DM lists with unread badges, and who is online in the open room. */
import type { PresenceEntry } from "../../protocol/index.ts";
import type { StreamView } from "../chat-state.ts";
import { el } from "./dom.ts";

export function renderStreams(list: HTMLElement, streams: StreamView[], current: string | undefined, open: (s: string) => void): void {
  list.replaceChildren(...streams.map((s) => {
    const label = s.kind === "room" ? `#${s.name}` : s.name;
    const badge = s.unread > 0 ? el("span", { class: "badge", "aria-label": `${s.unread} unread` }, s.unread >= 1000 ? "999+" : String(s.unread)) : "";
    const b = el("button", { type: "button", "data-stream": s.stream, "aria-current": String(s.stream === current) }, el("span", {}, label), badge);
    b.addEventListener("click", () => open(s.stream));
    return el("li", {}, b);
  }));
}

/** One line per person, with the kinds of client they are on (a person may have several devices). */
export function renderOnline(list: HTMLElement, entries: PresenceEntry[], me: string, dm: (user: string) => void): void {
  if (entries.length === 0) {
    list.replaceChildren(el("li", { class: "muted" }, "nobody (open a room)"));
    return;
  }
  const people = new Map<string, PresenceEntry[]>();
  for (const e of entries) people.set(e.user, [...(people.get(e.user) ?? []), e]);
  list.replaceChildren(...[...people].map(([user, devices]) => {
    const name = user === me
      ? el("span", {}, `${user} (you)`)
      : (() => { const b = el("button", { type: "button", title: `Message ${user}` }, user); b.addEventListener("click", () => dm(user)); return b; })();
    const kinds = [...new Set(devices.map((d) => d.client))].map((k) => el("span", { class: "kind" }, k));
    const label = `${devices.length} device${devices.length > 1 ? "s" : ""}: ${devices.map((d) => `${d.client} ${d.device}`).join(", ")}`;
    return el("li", { "data-user": user, title: label }, name, el("span", { class: "kinds", "aria-label": label }, ...kinds));
  }));
}
