/** The room and DM lists with unread badges, and who is online in the open room. */
import type { PresenceEntry } from "../../protocol/index.ts";
import type { StreamView } from "../chat-state.ts";
import { el } from "./dom.ts";
import { reconcile } from "./reconcile.ts";

export function renderStreams(list: HTMLElement, streams: StreamView[], current: string | undefined, open: (s: string) => void): void {
  reconcile(list, streams.map((s) => {
    const label = s.kind === "room" ? `#${s.name}` : s.name;
    const count = s.unread >= 1000 ? "1000+" : String(s.unread);
    const isCurrent = s.stream === current;
    return { key: s.stream, sig: `${label}|${s.unread}|${s.mentions}|${isCurrent}`, build: () => {
      const b = el("button", { type: "button", "data-stream": s.stream }, el("span", { class: "name" }, label));
      if (isCurrent) b.setAttribute("aria-current", "true");
      if (s.mentions > 0) b.append(el("span", { class: "badge mention" }, `@${s.mentions}`), el("span", { class: "visually-hidden" }, ` mentioning you`));
      if (s.unread > 0) b.append(el("span", { class: "badge" }, count), el("span", { class: "visually-hidden" }, " unread"));
      b.addEventListener("click", () => open(s.stream));
      return el("li", {}, b);
    } };
  }));
}

/** One line per person, with the kinds of client they are on (a person may have several devices). */
export function renderOnline(list: HTMLElement, entries: PresenceEntry[], me: string, dm: (user: string) => void): void {
  if (entries.length === 0) {
    reconcile(list, [{ key: "nobody", sig: "", build: () => el("li", { class: "muted" }, "nobody here right now") }]);
    return;
  }
  const people = new Map<string, PresenceEntry[]>();
  for (const e of entries) people.set(e.user, [...(people.get(e.user) ?? []), e]);
  reconcile(list, [...people].map(([user, devices]) => {
    const kinds = [...new Set(devices.map((d) => d.client))].sort();
    const label = `${devices.length} device${devices.length > 1 ? "s" : ""}: ${devices.map((d) => `${d.client} ${d.device}`).join(", ")}`;
    return { key: `user:${user}`, sig: `${label}|${user === me}`, build: () => {
      const name = user === me
        ? el("span", {}, `${user} (you)`)
        : el("button", { type: "button", title: `Message ${user}` }, user, el("span", { class: "visually-hidden" }, ` (start a direct message)`));
      if (user !== me) name.addEventListener("click", () => dm(user));
      const badges = el("span", { class: "kinds" }, el("span", { class: "visually-hidden" }, " on "), ...kinds.map((k) => el("span", { class: "kind" }, k)));
      return el("li", { "data-user": user, title: label }, name, badges);
    } };
  }));
}
