/**
 * Model-based test of the actor system (fast-check `commands`): random interleavings of
 * connects (always resuming from what the device has seen), joins, leaves, room sends, DMs,
 * retried sends, disconnects and server restarts, across three users with two devices each.
 *
 * Checked on every frame a device receives:
 *   - it may read the stream (its own user stream, its DMs, rooms it belongs to when it gets the event);
 *   - per stream, seqs follow on from the device's cursor with no gap and no duplicate
 *     (the only allowed jump: to the user's own `joined` event when re-joining a room);
 *   - the event is exactly the one in the log.
 * And after each command settles: every connected device is at the head of every stream it may
 * read, and a retried send appended nothing.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { jsonCodec, parseStream, roomStream, userStream, type ClientFrame, type EventFrame, type ServerFrame } from "../protocol/index.ts";
import { createMemoryLog } from "../store/memory-log.ts";
import type { EventLog } from "../store/event-log.ts";
import { rebuild } from "../projections/snapshot.ts";
import { DEFAULTS } from "../server/config.ts";
import { createAuthenticator } from "../server/auth.ts";
import { silentLogger } from "../server/logger.ts";
import { ConnectionActor } from "./connection.ts";
import { Hub } from "./hub.ts";
import { FakeFanout, FakeSocket } from "./testing/fakes.ts";

const USERS = ["ann", "bob", "cy"] as const;
const DEVICES = ["d1", "d2"] as const;
const ROOMS = ["r1", "r2"] as const;

interface Device {
  user: string;
  name: string;
  cursors: Map<string, number>;
  conn?: ConnectionActor;
  socket?: FakeSocket;
  synced: boolean;
  violations: string[];
}

class World {
  log: EventLog = createMemoryLog();
  fanout = new FakeFanout();
  hub!: Hub;
  devices = new Map<string, Device>();
  acked: { user: string; device: string; cmid: string; to: { room: string } | { user: string } }[] = [];
  cmidCounter = 0;

  constructor() {
    this.boot();
    for (const u of USERS) for (const d of DEVICES) this.devices.set(`${u}/${d}`, { user: u, name: d, cursors: new Map(), synced: false, violations: [] });
  }

  boot(): void {
    const { projection } = rebuild(this.log);
    const config = { ...DEFAULTS, presenceGraceMs: 0, rateLimit: 0, commitWindowMs: 0 };
    this.hub = new Hub(this.log, projection, this.fanout, config, createAuthenticator(config), silentLogger);
  }

  /** Membership of `user` in `room` now, from the log itself. */
  memberNow(room: string, user: string): boolean {
    let member = false;
    for (const e of this.log.readAfter(roomStream(room), 0, 100_000)) {
      if (e.author === user && e.kind === "joined") member = true;
      if (e.author === user && e.kind === "left") member = false;
    }
    return member;
  }

  mayRead(user: string, e: EventFrame): boolean {
    const s = parseStream(e.stream);
    if (!s) return false;
    if (s.kind === "user") return s.user === user;
    if (s.kind === "dm") return s.users.includes(user);
    if (s.kind === "broadcast") return true;
    // Rooms share their history with members (like Slack, or Matrix's default): a member may
    // receive any of the room's events, and a former member nothing after its own `left`.
    return this.memberNow(s.room, user) || (e.kind === "left" && e.author === user);
  }

  onFrame(dev: Device, f: ServerFrame): void {
    if (f.type === "synced") dev.synced = true;
    if (f.type === "ack" && f.id !== undefined && typeof f.id === "string" && f.id.startsWith("send:")) {
      const [, cmid, target] = f.id.split(":");
      if (!f.duplicate) this.acked.push({ user: dev.user, device: dev.name, cmid: cmid!, to: target!.startsWith("@") ? { user: target!.slice(1) } : { room: target! } });
    }
    if (f.type !== "event") return;
    const fail = (why: string) => dev.violations.push(`${dev.user}/${dev.name} ${f.stream}#${f.seq}: ${why}`);
    if (!this.mayRead(dev.user, f)) fail("may not read this");
    const cursor = dev.cursors.get(f.stream);
    const rejoin = f.kind === "joined" && f.author === dev.user;
    if (cursor !== undefined && f.seq !== cursor + 1 && !(rejoin && f.seq > cursor)) fail(`expected seq ${cursor + 1}`);
    const stored = this.log.get(f.stream, f.seq);
    const { type: _type, ...data } = f;
    if (JSON.stringify(stored) !== JSON.stringify(data) && !(stored && sameEvent(stored, data))) fail("differs from the log");
    dev.cursors.set(f.stream, f.seq);
    eventsChecked += 1;
  }

  post(dev: Device, frame: ClientFrame): void {
    dev.conn?.post({ kind: "frame", frame: jsonCodec.decode(jsonCodec.encode(frame)) as ClientFrame });
  }

  async settle(): Promise<void> {
    for (let i = 0; i < 6; i++) await new Promise((r) => setImmediate(r));
  }

  /** Every connected, synced device is at the head of every stream its user may read. */
  checkCaughtUp(): string[] {
    const problems: string[] = [];
    for (const dev of this.devices.values()) {
      if (!dev.conn || !dev.synced) continue;
      const streams = [userStream(dev.user), ...(this.hub.projection.userDms.get(dev.user) ?? [])];
      for (const r of this.hub.projection.userRooms.get(dev.user) ?? []) streams.push(roomStream(r));
      for (const s of streams) {
        const head = this.log.head(s);
        if ((dev.cursors.get(s) ?? 0) !== head) problems.push(`${dev.user}/${dev.name} is at ${dev.cursors.get(s) ?? 0} of ${s}, head ${head}`);
      }
    }
    return problems;
  }
}

function sameEvent(a: object, b: object): boolean {
  const norm = (o: object) => JSON.stringify(Object.fromEntries(Object.entries(o).sort(([x], [y]) => x.localeCompare(y))));
  return norm(a) === norm(b);
}

type Model = { connected: Set<string>; members: Map<string, Set<string>> };
type Cmd = fc.AsyncCommand<Model, World>;

const dev = fc.record({ user: fc.constantFrom(...USERS), device: fc.constantFrom(...DEVICES) });
const key = (d: { user: string; device: string }) => `${d.user}/${d.device}`;

class Connect implements Cmd {
  constructor(readonly d: { user: string; device: string }) {}
  check = (m: Readonly<Model>) => !m.connected.has(key(this.d));
  async run(m: Model, w: World) {
    const device = w.devices.get(key(this.d))!;
    device.synced = false;
    device.socket = new FakeSocket(w.fanout, (f) => w.onFrame(device, f));
    device.conn = new ConnectionActor(device.socket, jsonCodec, w.hub);
    w.post(device, { type: "hello", user: this.d.user, device: this.d.device, client: "cli", cursors: Object.fromEntries(device.cursors) });
    m.connected.add(key(this.d));
    await w.settle();
  }
  toString = () => `connect(${key(this.d)})`;
}

class Disconnect implements Cmd {
  constructor(readonly d: { user: string; device: string }) {}
  check = (m: Readonly<Model>) => m.connected.has(key(this.d));
  async run(m: Model, w: World) {
    const device = w.devices.get(key(this.d))!;
    device.socket?.close(1006, "gone");
    device.conn?.socketClosed();
    device.conn = undefined;
    m.connected.delete(key(this.d));
    await w.settle();
  }
  toString = () => `disconnect(${key(this.d)})`;
}

class Command implements Cmd {
  constructor(readonly d: { user: string; device: string }, readonly what: "join" | "leave" | "send" | "dm" | "retry", readonly arg: string) {}
  check = () => true;
  async run(m: Model, w: World) {
    // A command from a device that is offline connects it first (resuming from its cursors).
    if (!m.connected.has(key(this.d))) await new Connect(this.d).run(m, w);
    const device = w.devices.get(key(this.d))!;
    if (!device.synced) await w.settle();
    const before = w.log.lastPos();
    switch (this.what) {
      case "join": w.post(device, { type: "join", room: this.arg }); break;
      case "leave": w.post(device, { type: "leave", room: this.arg }); break;
      case "send": {
        const cmid = `m${++w.cmidCounter}`;
        w.post(device, { type: "send", id: `send:${cmid}:${this.arg}`, to: { room: this.arg }, cmid, text: `hi ${this.arg}` });
        break;
      }
      case "dm": {
        if (this.arg === this.d.user) return;
        const cmid = `m${++w.cmidCounter}`;
        w.post(device, { type: "send", id: `send:${cmid}:@${this.arg}`, to: { user: this.arg }, cmid, text: `psst ${this.arg}` });
        break;
      }
      case "retry": {
        const mine = w.acked.filter((a) => a.user === this.d.user);
        const a = mine[Number(this.arg) % Math.max(1, mine.length)];
        if (!a) return;
        w.post(device, { type: "send", to: a.to, cmid: a.cmid, text: "retried" });
        await w.settle();
        expect(w.log.lastPos()).toBe(before);
        return;
      }
    }
    await w.settle();
  }
  toString = () => `${this.what}(${key(this.d)}, ${this.arg})`;
}

class Restart implements Cmd {
  check = () => true;
  async run(m: Model, w: World) {
    w.hub.shutdown(1001, "restart");
    for (const d of w.devices.values()) {
      d.socket?.close(1001, "restart");
      d.conn = undefined;
    }
    m.connected.clear();
    w.boot();
    await w.settle();
  }
  toString = () => "restart";
}

let eventsChecked = 0;

test("actors: every device receives exactly the log, gap-free and only what it may read, across random interleavings", async () => {
  const commands = fc.commands([
    dev.map((d) => new Connect(d)),
    dev.map((d) => new Disconnect(d)),
    fc.tuple(dev, fc.constantFrom(...ROOMS)).map(([d, r]) => new Command(d, "join", r)),
    fc.tuple(dev, fc.constantFrom(...ROOMS)).map(([d, r]) => new Command(d, "leave", r)),
    fc.tuple(dev, fc.constantFrom(...ROOMS)).map(([d, r]) => new Command(d, "send", r)),
    fc.tuple(dev, fc.constantFrom(...ROOMS)).map(([d, r]) => new Command(d, "send", r)),
    fc.tuple(dev, fc.constantFrom(...USERS)).map(([d, u]) => new Command(d, "dm", u)),
    fc.tuple(dev, fc.nat(20)).map(([d, n]) => new Command(d, "retry", String(n))),
    fc.constant(new Restart()),
  ], { maxCommands: 40, size: "+1" });
  await fc.assert(fc.asyncProperty(commands, async (cmds) => {
    const world = new World();
    await fc.asyncModelRun(() => ({ model: { connected: new Set<string>(), members: new Map<string, Set<string>>() }, real: world }), cmds);
    await world.settle();
    const violations = [...world.devices.values()].flatMap((d) => d.violations);
    expect(violations).toEqual([]);
    expect(world.checkCaughtUp()).toEqual([]);
    world.hub.shutdown(1001, "end");
  }), { numRuns: 150 });
  // The runs must have exercised delivery at all, or the checks above prove nothing.
  expect(eventsChecked).toBeGreaterThan(500);
}, 60_000);

