/**
 * A room's settings panel: visibility, the members with their roles and who is online, and the
 * actions the user may take — only those (the server refuses the rest anyway, but a button that
 * can only fail is noise). Members see the member list (the server's, capped for big rooms: then
 * the first names plus whoever is online, and the count of all); others see only the owner and
 * the moderators. Anyone not listed is reached by name (the form beside the list).
 */
import type { RoomSettings } from "../../client/index.ts";
import type { RoomVisibility } from "../../protocol/index.ts";
import { el } from "./dom.ts";
import { reconcile } from "./reconcile.ts";

export type RoomRole = "owner" | "moderator" | "member";

export interface SettingsActions {
  visibility(v: RoomVisibility): void;
  role(user: string, role: "moderator" | "member"): void;
  kick(user: string): void;
  ban(user: string): void;
  unban(user: string): void;
  uninvite(user: string): void;
}

export function roleOf(s: RoomSettings, user: string): RoomRole {
  return s.owner === user ? "owner" : s.moderators.includes(user) ? "moderator" : "member";
}

/** Whether `me` may invite, uninvite, kick, ban and unban in the room (owner or moderator of an owned room). */
export const mayModerate = (s: RoomSettings | undefined, me: string): boolean => s?.owner !== undefined && roleOf(s, me) !== "member";

export function renderRoomSettings(box: HTMLElement, s: RoomSettings, me: string, online: string[], members: number | undefined, act: SettingsActions): void {
  const mine = roleOf(s, me);
  const owner = s.owner !== undefined && mine === "owner";
  const moderator = mayModerate(s, me);
  const button = (label: string, aria: string, run: () => void, cls = "link small") => {
    const b = el("button", { type: "button", class: cls, "aria-label": aria }, label);
    b.addEventListener("click", run);
    return b;
  };

  const about = s.owner === undefined
    ? "Made before rooms had owners: public, and nobody moderates it."
    : s.visibility === "private" ? "Private: only people who are invited can join." : "Public: anyone can find this room and join it.";
  const count = s.memberCount ?? members;
  const capped = s.members !== undefined && count !== undefined && s.members.length < count;
  const people = [...new Set([...(s.owner ? [s.owner] : []), ...s.moderators, ...online, ...(s.members ?? [])])];
  const rank = (u: string) => ["owner", "moderator", "member"].indexOf(roleOf(s, u));
  people.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

  const items: { key: string; sig: string; build: () => HTMLElement }[] = [{
    key: "visibility", sig: `${s.visibility}|${s.owner}|${owner}`, build: () => {
      const p = el("p", { class: "settings-visibility", "data-visibility": s.visibility }, about);
      if (owner) {
        const to: RoomVisibility = s.visibility === "private" ? "public" : "private";
        p.append(" ", button(to === "private" ? "Make private" : "Make public", `Make the room ${to}`, () => act.visibility(to)));
      }
      return p;
    },
  }, {
    key: "you", sig: mine, build: () => el("p", { class: "muted small" }, `You are ${mine === "member" ? "a member" : `its ${mine}`} here.`),
  }, {
    key: "people", sig: JSON.stringify([people, s.moderators, s.owner, online, owner, moderator, count, capped]), build: () => el("div", {},
      el("h4", {}, "Members"),
      el("p", { class: "muted small settings-count" }, [
        count === undefined ? "" : `${count} member${count === 1 ? "" : "s"}.`,
        s.members === undefined ? "Here: the owner, the moderators and who is online." : capped ? `Here: the first ${s.members.length} by name and who is online.` : "",
        moderator ? (capped || s.members === undefined ? "Anyone else: by name below." : "Invite others by name below.") : "",
      ].filter(Boolean).join(" ")),
      el("ul", { class: "settings-people" }, ...people.map((u) => {
        const role = roleOf(s, u);
        const li = el("li", { "data-user": u },
          el("span", {}, u === me ? `${u} (you)` : u),
          el("span", { class: "kind" }, role),
          ...(online.includes(u) ? [el("span", { class: "muted small presence" }, "online")] : []),
          // The owner may have left; a complete list says so (moderators are always members).
          ...(s.members !== undefined && !capped && !s.members.includes(u) ? [el("span", { class: "muted small" }, "not in the room")] : []));
        const actions = el("span", { class: "actions" });
        if (u !== me && owner && role === "moderator") actions.append(button("Remove moderator", `Remove ${u} as moderator`, () => act.role(u, "member")));
        if (u !== me && owner && role === "member") actions.append(button("Make moderator", `Make ${u} a moderator`, () => act.role(u, "moderator")));
        if (u !== me && moderator && role === "member") actions.append(button("Kick", `Kick ${u}`, () => act.kick(u)), button("Ban", `Ban ${u}`, () => act.ban(u)));
        if (actions.children.length > 0) li.append(actions);
        return li;
      }))),
  }];
  // Open invites and bans are told to the owner and moderators only.
  if (moderator && s.invited && s.invited.length > 0) {
    items.push({ key: "invited", sig: s.invited.join(","), build: () => el("div", {}, el("h4", {}, "Invited"), el("ul", { class: "settings-invited" }, ...s.invited!.map((u) =>
      el("li", { "data-user": u }, el("span", {}, u), button("Withdraw", `Withdraw ${u}'s invite`, () => act.uninvite(u)))))) });
  }
  if (moderator && s.banned && s.banned.length > 0) {
    items.push({ key: "banned", sig: s.banned.join(","), build: () => el("div", {}, el("h4", {}, "Banned"), el("ul", { class: "settings-banned" }, ...s.banned!.map((u) =>
      el("li", { "data-user": u }, el("span", {}, u), button("Unban", `Unban ${u}`, () => act.unban(u)))))) });
  }
  reconcile(box, items);
}
