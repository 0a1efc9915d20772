/**
 * Model-based test of the actor system (fast-check `commands`) over the memory log and fake
 * ports: random interleavings of fresh connects and resumes (hello with the cursors the device
 * kept), joins, leaves, room sends, DMs, retried sends, read cursors, operator broadcasts,
 * disconnects, clean restarts (shutdown, then a new Hub on a projection rebuilt from the log)
 * and crash restarts (no shutdown: the projection comes from an older snapshot plus the tail),
 * across three users with two devices each (one JSON, one MessagePack).
 *
 * Checked on every frame a device receives:
 *   - it may read the stream: its own user stream, its DMs, broadcast, and rooms its user is a
 *     member of when the event arrives (or its own `left`, the last event of a room it gets);
 *   - per stream, the seq follows on from the device's cursor, with no gap and no duplicate.
 *     A stream the device has never seen starts at 1, or, for a room, at the user's own
 *     `joined`; the only jump allowed is to the user's own `joined` when it re-joins a room;
 *   - on a fresh start (hello without cursors) nothing is replayed before `synced`;
 *   - the event is exactly the one in the log.
 * After the run: every connected device is at the head of every stream it may read; what each
 * device received per stream equals `log.readAfter` over each range it covered; every retried
 * send appended nothing and was answered with the original ack.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { parseStream, roomStream, userStream, BROADCAST_STREAM, type SendTarget, type Encoding, type EventData, type ServerFrame } from "../protocol/index.ts";
import { createMemoryLog } from "../store/memory-log.ts";
import type { EventLog } from "../store/event-log.ts";
import { FakeFanout, type Via } from "./testing/fakes.ts";
import { TestClient, settle, testHub, type TestHub } from "../server/testing/hub-harness.ts";
import { mayRead, memberAsOf, readable, type LogView } from "./testing/read-rights.ts";

const USERS = ["ann", "bob", "cy"] as const;
const DEVICES: readonly { name: string; encoding: Encoding }[] = [{ name: "d1", encoding: "json" }, { name: "d2", encoding: "msgpack" }];
const ROOMS = ["r1", "r2"] as const;

interface Device {
  user: string;
  name: string;
  encoding: Encoding;
  /** Highest seq seen per stream: what a client keeps and resumes from. */
  cursors: Map<string, number>;
  /** Every event received per stream, across all of this device's connections. */
  received: Map<string, EventData[]>;
  client?: TestClient;
  fresh: boolean;
  welcomed: boolean;
  synced: boolean;
}

/** What the runs exercised, so a generator that stops reaching a path makes the test fail. */
const coverage = { events: 0, replayed: 0, fresh: 0, resumes: 0, restarts: 0, crashes: 0, duplicateAcks: 0, rejoinJumps: 0, broadcasts: 0, dms: 0 };

class World {
  readonly log: EventLog = createMemoryLog();
  readonly fanout = new FakeFanout();
  th!: TestHub;
  readonly devices = new Map<string, Device>();
  /** cmid -> the original (non-duplicate) ack, for sends whose ack reached a device. */
  readonly acked = new Map<string, { user: string; to: SendTarget; stream: string; seq: number }>();
  readonly violations: string[] = [];
  private cmids = 0;

  constructor() {
    this.boot();
    for (const user of USERS) for (const d of DEVICES) {
      this.devices.set(`${user}/${d.name}`, { user, name: d.name, encoding: d.encoding, cursors: new Map(), received: new Map(), fresh: false, welcomed: false, synced: false });
    }
  }

  /** A new Hub on the same log, its projection rebuilt from the newest snapshot plus the tail. */
  boot(): void {
    this.th = testHub({ log: this.log, fanout: this.fanout, config: { snapshotEvery: 7 } });
  }

  nextCmid(): string { return `m${++this.cmids}`; }

  /** The log as the read rule sees it (testing/read-rights.ts), read from the log itself, not from the code under test. */
  readonly view: LogView = {
    events: (stream) => this.log.readAfter(stream, 0, Number.MAX_SAFE_INTEGER),
    streams: () => this.log.heads().keys(),
  };
  memberNow(room: string, user: string): boolean { return memberAsOf(this.view.events(roomStream(room)), user); }
  memberAsOf(room: string, user: string, seq: number): boolean { return memberAsOf(this.view.events(roomStream(room)), user, seq); }
  mayRead(user: string, e: EventData): boolean { return mayRead(this.view, user, e); }

  onFrame(dev: Device, f: ServerFrame, via: Via): void {
    const fail = (why: string) => this.violations.push(`${dev.user}/${dev.name}: ${why}`);
    if (f.type === "welcome") {
      dev.welcomed = true;
      // A hello is spread over turns (16 streams at a time, docs/architecture.md "Failure
      // handling"), so a stream described early may have grown by the time the welcome is sent:
      // its head may be behind the log, never ahead. A fresh device follows from the announced head,
      // and the delivery checks below prove it then receives exactly what came after.
      for (const s of f.streams) if (s.head > this.log.head(s.stream)) fail(`welcome says ${s.stream} head ${s.head}, ahead of the log's ${this.log.head(s.stream)}`);
      if (dev.fresh) {
        // A fresh start: the client drops its cursors and takes the heads it is told.
        dev.cursors.clear();
        for (const s of f.streams) dev.cursors.set(s.stream, s.head);
      }
      return;
    }
    if (f.type === "synced") { dev.synced = true; return; }
    if (f.type === "ack" && typeof f.id === "string" && f.id.startsWith("send:") && !f.duplicate) {
      const cmid = f.id.slice("send:".length);
      const sent = this.sent.get(cmid);
      if (sent) this.acked.set(cmid, { user: dev.user, to: sent, stream: f.stream, seq: f.seq });
      return;
    }
    if (f.type === "ack" || f.type === "error") { this.replies.set(String(f.id), f); return; }
    if (f.type !== "event") return;

    const { type: _type, ...e } = f;
    const where = `${e.stream}#${e.seq} (${e.kind} by ${e.author})`;
    if (!dev.welcomed) fail(`${where} before welcome`);
    // Live events (from a topic) may overtake `synced`; a replay (written by the connection) may not, on a fresh start.
    if (via === "conn" && !dev.synced) {
      if (dev.fresh) fail(`${where} replayed on a fresh start`);
      coverage.replayed += 1;
    }
    if (!this.mayRead(dev.user, e)) fail(`${where} may not be read by ${dev.user}`);
    const cursor = dev.cursors.get(e.stream);
    const ownJoined = e.kind === "joined" && e.author === dev.user;
    const isRoom = e.stream.startsWith("room:");
    if (cursor === undefined) {
      if (isRoom ? !ownJoined : e.seq !== 1) fail(`${where} is the first event seen of the stream`);
    } else if (e.seq !== cursor + 1) {
      if (isRoom && ownJoined && e.seq > cursor) coverage.rejoinJumps += 1;
      else fail(`${where}: expected seq ${cursor + 1}${e.seq <= cursor ? " (duplicate)" : " (gap)"}`);
    }
    if (!sameEvent(this.log.get(e.stream, e.seq), e)) fail(`${where} differs from the log`);
    dev.cursors.set(e.stream, e.seq);
    let list = dev.received.get(e.stream);
    if (!list) dev.received.set(e.stream, (list = []));
    list.push(e);
    coverage.events += 1;
  }

  /** cmid -> where it was sent, and replies to retries and reads by id. */
  readonly sent = new Map<string, SendTarget>();
  readonly replies = new Map<string, ServerFrame>();

  connect(dev: Device, withCursors: boolean): void {
    dev.fresh = !withCursors;
    dev.welcomed = false;
    dev.synced = false;
    dev.client = new TestClient(this.th, dev.encoding, (f, via) => this.onFrame(dev, f, via));
    dev.client.hello(dev.user, dev.name, withCursors ? Object.fromEntries(dev.cursors) : undefined);
    if (withCursors) coverage.resumes += 1;
    else coverage.fresh += 1;
  }

  disconnect(dev: Device): void {
    dev.client?.drop();
    dev.client = undefined;
    dev.synced = false;
  }

  /** Streams `user` may read now, from the log. */
  readable(user: string): string[] { return readable(this.view, user); }

  /** After the run: connected devices are at every head; received events equal the log over each covered range. */
  finalProblems(): string[] {
    const problems = [...this.violations];
    // The log itself: seqs gapless from 1, and room messages only from members.
    for (const [stream, head] of this.log.heads()) {
      const events = this.log.readAfter(stream, 0, 1_000_000);
      if (events.map((e) => e.seq).join() !== Array.from({ length: head }, (_, i) => i + 1).join()) problems.push(`${stream} is not gapless`);
      const p = parseStream(stream);
      for (const e of events) {
        if (p?.kind === "room" && e.kind === "message" && !this.memberAsOf(p.room, e.author, e.seq)) problems.push(`${stream}#${e.seq} by non-member ${e.author}`);
      }
    }
    for (const dev of this.devices.values()) {
      const who = `${dev.user}/${dev.name}`;
      if (dev.client && dev.synced) {
        for (const s of this.readable(dev.user)) {
          const head = this.log.head(s);
          if ((dev.cursors.get(s) ?? 0) !== head) problems.push(`${who} is at ${dev.cursors.get(s) ?? 0} of ${s}, head ${head}`);
        }
      }
      for (const [stream, events] of dev.received) {
        // Split at the jumps (re-joins, fresh starts); each run must be exactly the log's range.
        let start = 0;
        for (let i = 1; i <= events.length; i++) {
          if (i < events.length && events[i]!.seq === events[i - 1]!.seq + 1) continue;
          const run = events.slice(start, i);
          const fromLog = this.log.readAfter(stream, run[0]!.seq - 1, run.length);
          if (!run.every((e, k) => sameEvent(fromLog[k], e))) problems.push(`${who} ${stream} ${run[0]!.seq}..${run.at(-1)!.seq} differs from log.readAfter`);
          start = i;
        }
      }
    }
    return problems;
  }
}

function sameEvent(a: object | undefined, b: object): boolean {
  if (!a) return false;
  const norm = (o: object) => JSON.stringify(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : 1)));
  return norm(a) === norm(b);
}

type Model = { connected: Set<string> };
type Cmd = fc.AsyncCommand<Model, World>;
type DeviceRef = { user: string; device: string };
const keyOf = (d: DeviceRef) => `${d.user}/${d.device}`;
const deviceArb = fc.record({ user: fc.constantFrom(...USERS), device: fc.constantFrom(...DEVICES.map((d) => d.name)) });

/**
 * Most commands let everything settle before the next one; the others return at once, so the
 * next command's frames race with commits, replays and fan-out still in flight.
 */
const then = (settleAfter: boolean) => (settleAfter ? settle() : Promise.resolve());
const mark = (settleAfter: boolean) => (settleAfter ? "" : "~");

class Connect implements Cmd {
  constructor(readonly d: DeviceRef, readonly withCursors: boolean, readonly settleAfter = true) {}
  check = (m: Readonly<Model>) => !m.connected.has(keyOf(this.d));
  async run(m: Model, w: World) {
    w.connect(w.devices.get(keyOf(this.d))!, this.withCursors);
    m.connected.add(keyOf(this.d));
    await then(this.settleAfter);
  }
  toString = () => `${this.withCursors ? "resume" : "connect"}${mark(this.settleAfter)}(${keyOf(this.d)})`;
}

class Disconnect implements Cmd {
  constructor(readonly d: DeviceRef, readonly settleAfter = true) {}
  check = (m: Readonly<Model>) => m.connected.has(keyOf(this.d));
  async run(m: Model, w: World) {
    w.disconnect(w.devices.get(keyOf(this.d))!);
    m.connected.delete(keyOf(this.d));
    await then(this.settleAfter);
  }
  toString = () => `disconnect${mark(this.settleAfter)}(${keyOf(this.d)})`;
}

type Action =
  | { kind: "join"; room: string } | { kind: "leave"; room: string } | { kind: "send"; room: string }
  | { kind: "dm"; to: string } | { kind: "retry"; n: number } | { kind: "read"; n: number };

class DeviceCommand implements Cmd {
  constructor(readonly d: DeviceRef, readonly a: Action, readonly settleAfter = true) {}
  check = () => true;
  async run(m: Model, w: World) {
    const dev = w.devices.get(keyOf(this.d))!;
    // A command from an offline device connects it first, resuming from its cursors.
    if (!m.connected.has(keyOf(this.d))) await new Connect(this.d, true, this.settleAfter).run(m, w);
    const c = dev.client!;
    const a = this.a;
    switch (a.kind) {
      case "join": c.send({ type: "join", room: a.room }); break;
      case "leave": c.send({ type: "leave", room: a.room }); break;
      case "send": case "dm": {
        if (a.kind === "dm" && a.to === dev.user) return;
        const cmid = w.nextCmid();
        const to: SendTarget = a.kind === "send" ? { room: a.room } : { user: a.to };
        w.sent.set(cmid, to);
        if (a.kind === "dm") coverage.dms += 1;
        c.send({ type: "send", id: `send:${cmid}`, to, cmid, text: `${cmid} from ${keyOf(this.d)}` });
        break;
      }
      case "retry": {
        await settle(); // what is in flight lands first, so "appended nothing" means this retry
        const mine = [...w.acked.entries()].filter(([, s]) => s.user === dev.user);
        const pick = mine[a.n % Math.max(1, mine.length)];
        if (!pick) return;
        const [cmid, original] = pick;
        const before = w.log.lastPos();
        const id = `retry:${cmid}:${a.n}:${before}`;
        c.send({ type: "send", id, to: original.to, cmid, text: "retried, maybe with other text" });
        await settle();
        if (w.log.lastPos() !== before) w.violations.push(`retry of ${cmid} appended ${w.log.lastPos() - before} events`);
        const reply = w.replies.get(id);
        if (reply?.type === "ack" && reply.duplicate && reply.stream === original.stream && reply.seq === original.seq) coverage.duplicateAcks += 1;
        // A retry to a room the user has left since is refused before the log is asked: also no append.
        else if (!(reply?.type === "error" && reply.code === "not_member" && "room" in original.to && !w.memberNow(original.to.room, dev.user))) {
          w.violations.push(`retry of ${cmid} (${original.stream}#${original.seq}) answered ${JSON.stringify(reply)}`);
        }
        return;
      }
      case "read": {
        const seen = [...dev.cursors].filter(([s, seq]) => seq > 0 && !s.startsWith("user:") && w.readable(dev.user).includes(s));
        const pick = seen[a.n % Math.max(1, seen.length)];
        if (pick) c.send({ type: "read", stream: pick[0], seq: pick[1] });
        break;
      }
    }
    await then(this.settleAfter);
  }
  toString = () => {
    const a = this.a;
    return `${a.kind}${mark(this.settleAfter)}(${keyOf(this.d)}, ${a.kind === "dm" ? a.to : "room" in a ? a.room : a.n})`;
  };
}

class Broadcast implements Cmd {
  check = () => true;
  async run(_m: Model, w: World) {
    await w.th.hub.broadcast("announcement");
    coverage.broadcasts += 1;
    await settle();
  }
  toString = () => "broadcast";
}

/** A clean restart: the hub writes what is queued, snapshots and closes every socket; a new hub rebuilds. */
class Restart implements Cmd {
  check = () => true;
  async run(m: Model, w: World) {
    w.th.hub.shutdown(1001, "restart");
    for (const d of w.devices.values()) { d.client = undefined; d.synced = false; }
    m.connected.clear();
    w.boot();
    coverage.restarts += 1;
    await settle();
  }
  toString = () => "restart";
}

/** A crash once everything is committed: no shutdown snapshot, so the new projection is an older snapshot plus the tail. */
class Crash implements Cmd {
  check = () => true;
  async run(m: Model, w: World) {
    await settle();
    for (const d of w.devices.values()) w.disconnect(d);
    m.connected.clear();
    w.boot();
    coverage.crashes += 1;
    await settle();
  }
  toString = () => "crash";
}

test("actors: every device receives exactly the log, gap-free and only what it may read, across random interleavings", async () => {
  const room = fc.constantFrom(...ROOMS, ROOMS[0]); // r1 more often, so users meet there more
  const settleAfter = fc.oneof({ weight: 2, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
  const on = <A,>(a: fc.Arbitrary<A>) => fc.tuple(deviceArb, a, settleAfter);
  const commands = fc.commands([
    on(fc.boolean()).map(([d, resume, s]) => new Connect(d, resume, s)),
    on(fc.constant(0)).map(([d, , s]) => new Disconnect(d, s)),
    on(room).map(([d, r, s]) => new DeviceCommand(d, { kind: "join", room: r }, s)),
    on(room).map(([d, r, s]) => new DeviceCommand(d, { kind: "join", room: r }, s)),
    on(room).map(([d, r, s]) => new DeviceCommand(d, { kind: "leave", room: r }, s)),
    on(room).map(([d, r, s]) => new DeviceCommand(d, { kind: "send", room: r }, s)),
    on(room).map(([d, r, s]) => new DeviceCommand(d, { kind: "send", room: r }, s)),
    on(fc.constantFrom(...USERS)).map(([d, u, s]) => new DeviceCommand(d, { kind: "dm", to: u }, s)),
    on(fc.nat(20)).map(([d, n, s]) => new DeviceCommand(d, { kind: "retry", n }, s)),
    on(fc.nat(20)).map(([d, n, s]) => new DeviceCommand(d, { kind: "read", n }, s)),
    fc.constant(new Broadcast()),
    fc.constant(new Restart()),
    fc.constant(new Crash()),
  ], { maxCommands: 50, size: "+1" });

  await fc.assert(fc.asyncProperty(commands, async (cmds) => {
    const world = new World();
    await fc.asyncModelRun(() => ({ model: { connected: new Set<string>() }, real: world }), cmds);
    await settle();
    try {
      expect(world.finalProblems()).toEqual([]);
      for (const d of world.devices.values()) expect(d.client?.socket.wireErrors ?? []).toEqual([]);
    } finally {
      world.th.hub.shutdown(1001, "end");
    }
  }), {
    numRuns: Number(process.env.HUBBUB_MODEL_RUNS ?? 80), // raise it locally for a deeper search
    // Replay a reported failure: HUBBUB_MODEL_SEED=<seed> HUBBUB_MODEL_PATH=<path>.
    ...(process.env.HUBBUB_MODEL_SEED ? { seed: Number(process.env.HUBBUB_MODEL_SEED), path: process.env.HUBBUB_MODEL_PATH, endOnFailure: true } : {}),
  });

  // The runs must have reached every path, or the checks above prove less than they say.
  for (const [what, n] of Object.entries(coverage)) expect({ what, reached: n > 0 }).toEqual({ what, reached: true });
  expect(coverage.events).toBeGreaterThan(1000);
}, 60_000);
