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

export function renderOnline(list: HTMLElement, entries: PresenceEntry[], me: string, dm: (user: string) => void): void {
  if (entries.length === 0) {
    list.replaceChildren(el("li", { class: "muted" }, "nobody (open a room)"));
    return;
  }
  list.replaceChildren(...entries.map((e) => {
    const name = e.user === me
      ? el("span", {}, `${e.user} (you)`)
      : (() => { const b = el("button", { type: "button", title: `Message ${e.user}` }, e.user); b.addEventListener("click", () => dm(e.user)); return b; })();
    return el("li", { "data-user": e.user }, name, el("span", { class: "kind", title: `device ${e.device}` }, e.client));
  }));
}
