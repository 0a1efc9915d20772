/**
 * The room settings panel's controller: asks the server for a room's settings when it opens
 * (the SDK then keeps them current from the room's events, so a change made on another device
 * or by another moderator shows at once), and runs the moderation commands with the server's
 * answer shown beside them.
 */
import type { HubbubClient } from "../client/index.ts";
import { isUserName, type AckFrame } from "../protocol/index.ts";
import { $ } from "./views/dom.ts";
import { mayModerate, renderRoomSettings, type SettingsActions } from "./views/room-settings.ts";

export interface SettingsPanel {
  /** The room shown, if the panel is open. */
  readonly room: string | undefined;
  show(room: string): void;
  hide(): void;
  /** Re-renders (e.g. who is online changed). */
  render(): void;
}

export function settingsPanel(client: HubbubClient, me: () => string, online: (room: string) => string[], members: (room: string) => number | undefined): SettingsPanel {
  let room: string | undefined;
  const say = (done: string, error = "") => {
    $("settings-done").textContent = done;
    $("settings-error").textContent = error;
  };

  function render(): void {
    const s = room === undefined ? undefined : client.roomSettings(room);
    if (!room || !s) return;
    $("settings-form").hidden = !mayModerate(s, me());
    renderRoomSettings($("settings-body"), s, me(), online(room), members(room), actions);
  }

  /** One command; `unchanged` is what the server's duplicate ack means here. */
  function run(what: string, command: () => Promise<AckFrame>, done: string, unchanged: string): void {
    say("");
    command().then((ack) => say(ack.duplicate ? `Nothing changed: ${unchanged}.` : done), (e: Error) => say("", `Could not ${what}: ${e.message}`));
  }

  const actions: SettingsActions = {
    visibility: (v) => { if (room) run(`make the room ${v}`, () => client.setVisibility(room!, v), `The room is now ${v}.`, `it is ${v} already`); },
    role: (user, role) => {
      if (room) run(`change ${user}'s role`, () => client.setRole(room!, user, role), role === "moderator" ? `${user} is now a moderator.` : `${user} is no longer a moderator.`, "no change of role");
    },
    kick: (user) => {
      if (!room || !confirm(`Remove ${user} from #${room}? They can come back${client.roomSettings(room)?.visibility === "private" ? " with a new invite" : ""}.`)) return;
      run(`kick ${user}`, () => client.kick(room!, user), `Kicked ${user}.`, `${user} is not in the room`);
    },
    ban: (user) => {
      if (!room || !confirm(`Ban ${user} from #${room}? They are removed and cannot join again until unbanned.`)) return;
      run(`ban ${user}`, () => client.ban(room!, user), `Banned ${user}.`, `${user} is banned already`);
    },
    unban: (user) => { if (room) run(`unban ${user}`, () => client.unban(room!, user), `Unbanned ${user}.`, `${user} is not banned`); },
    uninvite: (user) => { if (room) run(`withdraw ${user}'s invite`, () => client.uninvite(room!, user), `Withdrew ${user}'s invite.`, `${user} has no open invite`); },
  };

  /** The name typed into the panel's form, or undefined (and a message) if it is not a name. */
  function typedUser(): string | undefined {
    const u = $<HTMLInputElement>("settings-user").value.trim().replace(/^@/, "");
    if (isUserName(u)) return u;
    say("", "User names are 1–32 letters, digits, _ . or -");
    $("settings-user").focus();
    return undefined;
  }
  $<HTMLFormElement>("settings-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const user = typedUser();
    if (room && user) run(`invite ${user}`, () => client.invite(room!, user), `Invited ${user}: they can join #${room} now.`, `${user} is invited or in the room already`);
  });
  $("settings-kick").addEventListener("click", () => { const u = typedUser(); if (u) actions.kick(u); });
  $("settings-ban").addEventListener("click", () => { const u = typedUser(); if (u) actions.ban(u); });
  client.on("room_settings", (s) => { if (s.room === room) render(); });

  return {
    get room() { return room; },
    show(r: string): void {
      room = r;
      say("");
      if (client.roomSettings(r)) render();
      else $("settings-body").replaceChildren(Object.assign(document.createElement("p"), { className: "muted small", textContent: "Loading…" }));
      client.roomInfo(r).then(() => { if (room === r) render(); }, (e: Error) => { if (room === r) say("", `Could not load the settings: ${e.message}`); });
    },
    hide(): void { room = undefined; },
    render,
  };
}
