/**
 * The leakage property (issue 8): random users, public and private rooms, DMs, invites, kicks,
 * bans, role and visibility changes, joins, leaves, disconnects, reconnects with the cursors a
 * device kept (including cursors of rooms it was removed from), restarts, and every read —
 * history, search, who, typing, rooms, room_info — as a fast-check model run against the actors.
 *
 * Who may see what is computed here, from the log alone, by a fold written independently of the
 * server's projection. Checked on every frame a device receives:
 *   - an event of a room: its user was a member just before or just after it (the event that
 *     removes a user reaches them; nothing later does), or is a member now (rooms share their
 *     history with members); of a DM: one of its two users; of a user stream: that user;
 *   - `page` and `search_results`: every event is of a stream the user may read now;
 *   - `presence` and `typing` of a room, and `welcome`'s streams: the user is a member now;
 *   - `room_list`: no private room the user is not a member, owner or invitee of, and every
 *     room's visibility as the log says; `room_settings`: likewise, invites and bans only
 *     for the owner and moderators, and the member list (exactly the log's members, with their
 *     count) for members only.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { dmStream, parseStream, roomStream, type Encoding, type EventData, type ServerFrame } from "../protocol/index.ts";
import { createMemoryLog } from "../store/memory-log.ts";
import type { EventLog } from "../store/event-log.ts";
import { FakeFanout } from "./testing/fakes.ts";
import { TestClient, settle, testHub, type TestHub } from "../server/testing/hub-harness.ts";

const USERS = ["ann", "bob", "cy", "dee"] as const;
const ROOMS = ["pub", "p1", "p2"] as const;

/** A room's state as the log says, folded here independently of src/projections. */
interface RoomTruth { members: Set<string>; private: boolean; owner?: string; mods: Set<string>; invited: Set<string>; banned: Set<string> }

function foldRoom(events: readonly EventData[]): RoomTruth {
  const t: RoomTruth = { members: new Set(), private: false, mods: new Set(), invited: new Set(), banned: new Set() };
  for (const e of events) step(t, e);
  return t;
}
function step(t: RoomTruth, e: EventData): void {
  const u = String(e.body.user ?? "");
  switch (e.kind) {
    case "joined":
      if (e.seq === 1 && e.body.create) { t.owner = e.author; t.private = e.body.create === "private"; }
      t.members.add(e.author); t.invited.delete(e.author); break;
    case "left": t.members.delete(e.author); t.mods.delete(e.author); break;
    case "kicked": t.members.delete(u); t.invited.delete(u); t.mods.delete(u); break;
    case "banned": t.members.delete(u); t.invited.delete(u); t.mods.delete(u); t.banned.add(u); break;
    case "unbanned": t.banned.delete(u); break;
    case "invited": t.invited.add(u); break;
    case "uninvited": t.invited.delete(u); break;
    case "role": if (e.body.role === "moderator") t.mods.add(u); else t.mods.delete(u); break;
    case "visibility": t.private = e.body.visibility === "private"; break;
  }
}

/**
 * Every event of a room's log was allowed by the state just before it: a user the server let
 * into a private room without an invite would see everything "rightfully" afterwards, so the
 * door itself is checked too.
 */
function illegal(events: readonly EventData[]): string[] {
  const t: RoomTruth = { members: new Set(), private: false, mods: new Set(), invited: new Set(), banned: new Set() };
  const out: string[] = [];
  for (const e of events) {
    const u = String(e.body.user ?? "");
    const moderates = t.members.has(e.author) && (t.owner === e.author || t.mods.has(e.author));
    const plain = (x: string) => x !== t.owner && !t.mods.has(x);
    const ok = ((): boolean => {
      switch (e.kind) {
        case "joined":
          if (t.members.has(e.author)) return false;
          if (e.seq === 1) return true;
          if (t.banned.has(e.author)) return false;
          return !t.private || t.owner === e.author || t.invited.has(e.author);
        case "left": return t.members.has(e.author);
        case "message": case "topic": return t.members.has(e.author);
        case "invited": return moderates && !t.banned.has(u) && !t.members.has(u);
        case "kicked": return moderates && plain(u) && t.members.has(u);
        case "banned": return moderates && plain(u) && !t.banned.has(u);
        case "unbanned": return moderates && t.banned.has(u);
        case "uninvited": return moderates && t.invited.has(u);
        case "role": return t.members.has(e.author) && t.owner === e.author && u !== e.author;
        case "visibility": return t.members.has(e.author) && t.owner === e.author;
        default: return true;
      }
    })();
    if (!ok) out.push(`${e.stream}#${e.seq} ${e.kind} by ${e.author} ${JSON.stringify(e.body)} was not allowed`);
    step(t, e);
  }
  return out;
}

/** What the runs reached, so a generator that stops reaching a path fails the test. */
const coverage = {
  privateCreated: 0, refusedNotInvited: 0, refusedBanned: 0, joinedByInvite: 0, kicks: 0, bans: 0, removedGotEvent: 0,
  resumesAfterRemoval: 0, removedOnOtherDevice: 0, promotions: 0, protectedRefused: 0, pagesRefused: 0, listsWithHiddenRooms: 0, events: 0,
  memberListsShown: 0, memberListsWithheld: 0, uninvites: 0,
};

/** Each user has two devices: d1 (JSON) gives the user's commands, d2 (MessagePack) comes and goes and only receives. */
interface Device { user: string; name: string; encoding: Encoding; cursors: Map<string, number>; client?: TestClient; synced: boolean }
const DEVICES = [{ name: "d1", encoding: "json" as const }, { name: "d2", encoding: "msgpack" as const }];
const KEYS = USERS.flatMap((u) => DEVICES.map((d) => `${u}/${d.name}`));

class World {
  readonly log: EventLog = createMemoryLog();
  readonly fanout = new FakeFanout();
  th!: TestHub;
  readonly devices = new Map<string, Device>(USERS.flatMap((u) => DEVICES.map((d): [string, Device] =>
    [`${u}/${d.name}`, { user: u, name: d.name, encoding: d.encoding, cursors: new Map(), synced: false }])));
  readonly violations: string[] = [];
  private ids = 0;

  constructor() { this.boot(); }
  boot(): void { this.th = testHub({ log: this.log, fanout: this.fanout, config: { snapshotEvery: 5 } }); }

  truth(room: string, uptoSeq = Number.MAX_SAFE_INTEGER): RoomTruth {
    return foldRoom(this.log.readAfter(roomStream(room), 0, Math.min(uptoSeq, 1_000_000)));
  }
  memberNow(room: string, user: string): boolean { return this.truth(room).members.has(user); }
  mayReadNow(user: string, stream: string): boolean {
    const s = parseStream(stream);
    if (!s) return false;
    switch (s.kind) {
      case "room": return this.memberNow(s.room, user);
      case "dm": return s.users.includes(user);
      case "user": return s.user === user;
      case "broadcast": return true;
    }
  }
  /** Discoverable: public, or private and I am in it, own it or hold an invite. */
  mayList(room: string, user: string): boolean {
    const t = this.truth(room);
    return !t.private || t.members.has(user) || t.owner === user || t.invited.has(user);
  }

  onFrame(dev: Device, f: ServerFrame): void {
    const fail = (why: string) => this.violations.push(`${dev.user}/${dev.name}: ${why}`);
    const user = dev.user;
    switch (f.type) {
      case "event": {
        const s = parseStream(f.stream);
        const where = `${f.stream}#${f.seq} (${f.kind} by ${f.author} ${JSON.stringify(f.body)})`;
        if (s?.kind === "room") {
          const before = this.truth(s.room, f.seq - 1).members.has(user);
          const after = this.truth(s.room, f.seq).members.has(user);
          if (!before && !after && !this.memberNow(s.room, user)) fail(`received ${where} of a room it is not in`);
          if (before && !after && f.author !== user) coverage[dev.name === "d1" ? "removedGotEvent" : "removedOnOtherDevice"] += 1;
        } else if (!this.mayReadNow(user, f.stream)) fail(`received ${where}`);
        const c = dev.cursors.get(f.stream) ?? 0;
        if (f.seq > c) dev.cursors.set(f.stream, f.seq);
        coverage.events += 1;
        return;
      }
      case "page": case "search_results":
        if (!this.mayReadNow(user, f.stream)) fail(`${f.type} of ${f.stream} it may not read`);
        for (const e of f.events) if (e.stream !== f.stream) fail(`${f.type} of ${f.stream} holds ${e.stream}`);
        return;
      case "presence":
        if (!this.memberNow(f.room, user)) fail(`presence of ${f.room}: ${JSON.stringify(f)}`);
        return;
      case "typing":
        if (!this.mayReadNow(user, f.stream)) fail(`typing in ${f.stream}`);
        return;
      case "welcome":
        for (const s of f.streams) if (!this.mayReadNow(user, s.stream)) fail(`welcome lists ${s.stream}`);
        return;
      case "room_list": {
        const hidden = ROOMS.filter((r) => this.log.head(roomStream(r)) > 0 && !this.mayList(r, user));
        if (hidden.length > 0) coverage.listsWithHiddenRooms += 1;
        for (const r of f.rooms) {
          if (!this.mayList(r.room, user)) fail(`rooms lists private ${r.room}`);
          const t = this.truth(r.room);
          if ((r.visibility === "private") !== t.private) fail(`rooms says ${r.room} is ${r.visibility ?? "public"}`);
          if (r.member !== t.members.has(user)) fail(`rooms says member of ${r.room} is ${r.member}`);
        }
        return;
      }
      case "room_settings": {
        const t = this.truth(f.room);
        if (!this.mayList(f.room, user)) fail(`room_info of private ${f.room}`);
        const moderates = t.members.has(user) && (t.owner === user || t.mods.has(user));
        if (!moderates && (f.invited !== undefined || f.banned !== undefined)) fail(`room_info of ${f.room} shows invites/bans to a non-moderator`);
        if (!t.members.has(user)) {
          if (f.members !== undefined || f.memberCount !== undefined) fail(`room_info of ${f.room} lists its members to a non-member`);
          else coverage.memberListsWithheld += 1;
        } else {
          const truth = [...t.members].sort();
          if (JSON.stringify(f.members) !== JSON.stringify(truth) || f.memberCount !== truth.length) fail(`room_info of ${f.room} lists ${JSON.stringify(f.members)} (${f.memberCount}), the log ${JSON.stringify(truth)}`);
          else coverage.memberListsShown += 1;
        }
        return;
      }
      case "error":
        if (f.code === "not_invited") coverage.refusedNotInvited += 1;
        if (f.code === "banned") coverage.refusedBanned += 1;
        if (f.code === "not_member" && String(f.id).startsWith("read:")) coverage.pagesRefused += 1;
        return;
      case "synced": dev.synced = true; return;
      case "ack": case "truncated": case "pong": case "user_info": return;
    }
  }

  connect(dev: Device, withCursors: boolean): void {
    dev.synced = false;
    dev.client = new TestClient(this.th, dev.encoding, (f) => this.onFrame(dev, f));
    if (withCursors && [...dev.cursors.keys()].some((s) => { const p = parseStream(s); return p?.kind === "room" && !this.memberNow(p.room, dev.user); })) {
      coverage.resumesAfterRemoval += 1;
    }
    dev.client.hello(dev.user, dev.name, withCursors ? Object.fromEntries(dev.cursors) : undefined);
  }
  disconnect(dev: Device): void { dev.client?.drop(); dev.client = undefined; dev.synced = false; }
  id(prefix: string): string { return `${prefix}:${++this.ids}`; }
}

type Model = { connected: Set<string> };
type Cmd = fc.AsyncCommand<Model, World>;

async function ensure(m: Model, w: World, user: string): Promise<TestClient> {
  const key = `${user}/d1`;
  const dev = w.devices.get(key)!;
  if (!dev.client) { w.connect(dev, true); m.connected.add(key); await settle(); }
  return dev.client!;
}

/** `key`: user/device. */
class Connect implements Cmd {
  constructor(readonly key: string, readonly resume: boolean) {}
  check = (m: Readonly<Model>) => !m.connected.has(this.key);
  async run(m: Model, w: World) { w.connect(w.devices.get(this.key)!, this.resume); m.connected.add(this.key); await settle(); }
  toString = () => `${this.resume ? "resume" : "connect"}(${this.key})`;
}
class Disconnect implements Cmd {
  constructor(readonly key: string) {}
  check = (m: Readonly<Model>) => m.connected.has(this.key);
  async run(m: Model, w: World) { w.disconnect(w.devices.get(this.key)!); m.connected.delete(this.key); await settle(); }
  toString = () => `disconnect(${this.key})`;
}
class Restart implements Cmd {
  check = () => true;
  async run(m: Model, w: World) {
    w.th.hub.shutdown(1001, "restart");
    for (const d of w.devices.values()) { d.client = undefined; d.synced = false; }
    m.connected.clear();
    w.boot();
    await settle();
  }
  toString = () => "restart";
}

/** One command of `user`, as a frame; `other` is another user it may name. */
class Do implements Cmd {
  constructor(readonly user: string, readonly what: string, readonly room: string, readonly other: string) {}
  check = () => true;
  async run(m: Model, w: World) {
    const c = await ensure(m, w, this.user);
    const { room, other } = this;
    const before = w.truth(room);
    const frame: Record<string, unknown> = (() => {
      switch (this.what) {
        case "create": return { type: "join", room, private: room !== "pub" };
        case "join": case "leave": case "who": case "room_info": return { type: this.what, room };
        case "invite": case "uninvite": case "kick": case "ban": case "unban": return { type: this.what, room, user: other };
        case "promote": return { type: "set_role", room, user: other, role: "moderator" };
        case "visibility": return { type: "set_visibility", room, visibility: before.private ? "public" : "private" };
        case "send": return { type: "send", to: { room }, cmid: w.id("c"), text: "hi" };
        case "dm": return other === this.user ? { type: "ping" } : { type: "send", to: { user: other }, cmid: w.id("c"), text: "psst" };
        case "typing": return { type: "typing", stream: roomStream(room) };
        case "rooms": return { type: "rooms" };
        case "history": return { type: "history", stream: roomStream(room) };
        case "history-dm": return { type: "history", stream: dmStream(this.user, other === this.user ? "zed" : other) };
        case "search": return { type: "search", stream: roomStream(room), q: "hi" };
        default: throw new Error(this.what);
      }
    })();
    c.send({ ...frame, id: w.id(this.what === "history" || this.what === "search" ? "read" : this.what) });
    await settle();
    const after = w.truth(room);
    if (this.what === "create" && room !== "pub" && w.log.head(roomStream(room)) === 1 && after.private) coverage.privateCreated += 1;
    if (this.what === "join" && after.members.has(this.user) && !before.members.has(this.user) && before.invited.has(this.user)) coverage.joinedByInvite += 1;
    if (this.what === "kick" && before.members.has(other) && !after.members.has(other)) coverage.kicks += 1;
    if (this.what === "ban" && !before.banned.has(other) && after.banned.has(other)) coverage.bans += 1;
    if (this.what === "uninvite" && before.invited.has(other) && !after.invited.has(other)) coverage.uninvites += 1;
    if (this.what === "promote" && !before.mods.has(other) && after.mods.has(other)) coverage.promotions += 1;
    if ((this.what === "kick" || this.what === "ban") && (other === before.owner || before.mods.has(other)) && c.socket.frames.at(-1)?.type === "error") coverage.protectedRefused += 1;
  }
  toString = () => `${this.what}(${this.user}, ${this.room}, ${this.other})`;
}

/**
 * A command whose actor and target are picked at run time among those the log says can do it
 * (the n-th of them), so runs reach kicks, bans and joins by invite often; the blind `Do`
 * commands meanwhile try everything that should be refused.
 */
class Pick implements Cmd {
  constructor(readonly what: "invite" | "uninvite" | "join-invited" | "join-banned" | "kick" | "ban" | "promote" | "kick-protected" | "info-member", readonly room: string, readonly n: number) {}
  check = () => true;
  async run(m: Model, w: World) {
    const t = w.truth(this.room);
    const mods = USERS.filter((u) => t.members.has(u) && (t.owner === u || t.mods.has(u)));
    const plain = (u: string) => u !== t.owner && !t.mods.has(u);
    const pairs: [string, string][] = [];
    const each = (actors: readonly string[], targets: readonly string[]) => { for (const a of actors) for (const x of targets) if (a !== x) pairs.push([a, x]); };
    switch (this.what) {
      case "invite": each(mods, USERS.filter((u) => !t.members.has(u) && !t.banned.has(u))); break;
      case "join-invited": for (const u of t.invited) pairs.push([u, u]); break;
      case "uninvite": each(mods, [...t.invited]); break;
      case "join-banned": for (const u of t.banned) pairs.push([u, u]); break;
      case "info-member": for (const u of t.members) pairs.push([u, u]); break;
      case "kick": each(mods, USERS.filter((u) => t.members.has(u) && plain(u))); break;
      case "ban": each(mods, USERS.filter((u) => plain(u) && !t.banned.has(u))); break;
      // Should be refused: a moderator removing the owner or another moderator.
      case "kick-protected": each(mods, USERS.filter((u) => t.members.has(u) && !plain(u))); break;
      case "promote": each(USERS.filter((u) => u === t.owner && t.members.has(u)), USERS.filter((u) => t.members.has(u) && plain(u))); break;
    }
    const pick = pairs[this.n % Math.max(1, pairs.length)];
    if (!pick) return;
    if ((this.what === "kick" || this.what === "ban") && this.n % 2 === 0) {
      // Half the removals happen while every device of the target is online.
      for (const d of DEVICES) {
        const key = `${pick[1]}/${d.name}`;
        if (!m.connected.has(key)) await new Connect(key, true).run(m, w);
      }
    }
    const what = this.what === "join-invited" || this.what === "join-banned" ? "join"
      : this.what === "kick-protected" ? (this.n % 2 ? "kick" : "ban") : this.what === "info-member" ? "room_info" : this.what;
    await new Do(pick[0], what, this.room, pick[1]).run(m, w);
  }
  toString = () => `pick-${this.what}(${this.room}, ${this.n})`;
}

test("leakage: no user ever receives, lists, resumes or pages a stream, event or presence it has no right to", async () => {
  const user = fc.constantFrom(...USERS);
  const room = fc.constantFrom(...ROOMS);
  const act = (...whats: string[]) => fc.tuple(user, fc.constantFrom(...whats), room, user).map(([u, w, r, o]) => new Do(u, w, r, o));
  const commands = fc.commands([
    fc.tuple(fc.constantFrom(...KEYS), fc.boolean()).map(([k, r]) => new Connect(k, r)),
    fc.constantFrom(...KEYS).map((k) => new Disconnect(k)),
    // Second devices come online often, so removals reach users on more than the device that acts.
    fc.tuple(user, fc.boolean()).map(([u, r]) => new Connect(`${u}/d2`, r)),
    act("create", "create", "join", "join", "leave"),
    act("invite", "invite", "uninvite", "kick", "ban", "unban", "promote", "visibility"),
    act("send", "send", "dm", "typing"),
    act("history", "history-dm", "search", "who", "rooms", "room_info"),
    fc.tuple(fc.constantFrom("invite" as const, "join-invited" as const, "join-banned" as const, "kick" as const, "ban" as const, "promote" as const, "kick-protected" as const), room, fc.nat(12))
      .map(([what, r, n]) => new Pick(what, r, n)),
    fc.tuple(fc.constantFrom("invite" as const, "join-invited" as const, "kick" as const, "uninvite" as const), room, fc.nat(12)).map(([what, r, n]) => new Pick(what, r, n)),
    fc.tuple(fc.constantFrom("promote" as const, "kick-protected" as const, "info-member" as const), room, fc.nat(12)).map(([what, r, n]) => new Pick(what, r, n)),
    fc.constant(new Restart()),
  ], { maxCommands: 60, size: "+1" });

  const property = fc.asyncProperty(commands, async (cmds) => {
    const world = new World();
    try {
      await fc.asyncModelRun(() => ({ model: { connected: new Set<string>() }, real: world }), cmds);
      await settle();
      for (const r of ROOMS) world.violations.push(...illegal(world.log.readAfter(roomStream(r), 0, 1_000_000)));
      expect(world.violations).toEqual([]);
    } finally {
      world.th.hub.shutdown(1001, "end");
    }
  });
  const options = {
    numRuns: Number(process.env.HUBBUB_LEAK_RUNS ?? 300),
    ...(process.env.HUBBUB_LEAK_SEED ? { seed: Number(process.env.HUBBUB_LEAK_SEED), path: process.env.HUBBUB_LEAK_PATH, endOnFailure: true } : {}),
  };
  await fc.assert(property, options);
  // A rare path (a banned user trying to join: 2-5 times in 300 runs) missed by one round must
  // not fail the run, so more rounds run only while some path has not been reached; a path
  // still unreached after them fails below, as it should.
  const unreached = () => Object.values(coverage).some((n) => n === 0);
  for (let round = 1; round < 4 && unreached() && !process.env.HUBBUB_LEAK_SEED; round++) await fc.assert(property, options);
  if (process.env.HUBBUB_LEAK_COVERAGE) console.log(coverage);
  for (const [what, n] of Object.entries(coverage)) expect({ what, reached: n > 0 }).toEqual({ what, reached: true });
}, 180_000);
