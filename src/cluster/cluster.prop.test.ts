/**
 * Model-based test of a cluster (fast-check `commands`): three nodes — each a Hub with its own
 * replica, NodeWriter, tailer and presence tracker, wired by `startClusterNode` exactly as the
 * server does — on one shared engine (the in-memory twin, so hundreds of runs stay fast; the
 * PostgreSQL engine passes the same engine contract). Random commands from three users with two
 * devices each (JSON and MessagePack) go to random nodes: connects, resumes with the cursors the
 * device kept (on any node), disconnects, joins, leaves, room sends, DMs, retried sends on another
 * node, read cursors, and node crashes (its clients dropped, its tailer and writer abandoned
 * mid-flight, a new hub on the same replica — or on a deleted, empty one). A second, shorter run
 * does the same on PostgreSQL (one schema), with every connection of every node killed
 * (`pg_terminate_backend`) as one more random command.
 *
 * The model is one ordered log: the engine's. Checked on every frame a device receives: per
 * stream the seq follows on from the device's cursor (no gap, no duplicate; a room starts at the
 * user's own `joined`, and may jump only to a re-join), the event equals the engine's, it may read
 * the stream, and a welcome's head is never ahead of the engine. After the run: every connected
 * device is at the head of every stream it may read, what it received equals the engine's log
 * over each range it covered, and every retry appended nothing and got the original ack.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { BROADCAST_STREAM, parseStream, roomStream, userStream, type Encoding, type EventData, type SendTarget, type ServerFrame } from "../protocol/index.ts";
import { createMemoryLog } from "../store/memory-log.ts";
import type { EventLog, StoredEvent } from "../store/event-log.ts";
import { createMemoryEngine, MemoryEngineStorage } from "../store/engine/memory-engine.ts";
import type { Engine } from "../store/engine/engine.ts";
import { createPgSchema } from "../store/engine/testing/pg.ts";
import { silentLogger } from "../observability/log.ts";
import { FakeFanout, type Via } from "../actors/testing/fakes.ts";
import { TestClient, settle, testHub, type TestHub } from "../server/testing/hub-harness.ts";
import { mayRead, memberAsOf, readable, type LogView } from "../actors/testing/read-rights.ts";
import { MemoryPresenceNetwork } from "./memory-presence-bus.ts";
import { startClusterNode, type ClusterNode } from "./node.ts";
import { ReplicaLog } from "./replica-log.ts";

const NODES = 3;
const USERS = ["ann", "bob", "cy"] as const;
const DEVICES: readonly { name: string; encoding: Encoding }[] = [{ name: "d1", encoding: "json" }, { name: "d2", encoding: "msgpack" }];
const ROOMS = ["r1", "r2"] as const;

interface Device {
  user: string;
  name: string;
  encoding: Encoding;
  cursors: Map<string, number>;
  received: Map<string, EventData[]>;
  client?: TestClient;
  node?: number;
  fresh: boolean;
  welcomed: boolean;
  synced: boolean;
}

interface Node {
  /** The hub's view of its replica: written behind (replica-log.ts), as on a real node. */
  log: ReplicaLog;
  th: TestHub;
  cluster: ClusterNode;
}

const coverage = { events: 0, replayed: 0, resumesElsewhere: 0, crashes: 0, rebuilt: 0, duplicateAcksElsewhere: 0, dms: 0, rejoinJumps: 0, kills: 0 };

/** The shared store under test: engine instances for nodes, and a way to read the whole log. */
interface Store {
  open(): Promise<Engine>;
  /** Ends every connection to the store (PostgreSQL only). */
  kill?(): Promise<void>;
  dispose(): Promise<void>;
}

function memoryStore(): Store {
  const storage = new MemoryEngineStorage();
  return { open: async () => createMemoryEngine(storage), dispose: async () => {} };
}

async function pgStore(): Promise<Store> {
  const s = await createPgSchema();
  return { open: () => s.open(), kill: async () => { await s.killConnections(); }, dispose: () => s.dispose() };
}

class World {
  /** The engine's log as last read (the model): refreshed whenever the cluster is quiet. */
  private mirror: StoredEvent[] = [];
  private mirrorHeads = new Map<string, number>();
  /** Checks against the model, made once it is refreshed (a PostgreSQL read is not synchronous). */
  private deferred: (() => void)[] = [];
  private admin!: Engine;
  readonly presence = new MemoryPresenceNetwork();
  readonly nodes: Node[] = [];
  readonly devices = new Map<string, Device>();
  readonly violations: string[] = [];
  readonly sent = new Map<string, SendTarget>();
  readonly acked = new Map<string, { user: string; to: SendTarget; stream: string; seq: number }>();
  readonly replies = new Map<string, ServerFrame>();
  private cmids = 0;

  private constructor(readonly store: Store) {}

  static async create(store: Store): Promise<World> {
    const w = new World(store);
    w.admin = await store.open();
    for (let i = 0; i < NODES; i++) w.nodes.push(await w.boot(i, createMemoryLog()));
    w.addDevices();
    return w;
  }

  private addDevices(): void {
    for (const user of USERS) for (const d of DEVICES) {
      this.devices.set(`${user}/${d.name}`, { user, name: d.name, encoding: d.encoding, cursors: new Map(), received: new Map(), fresh: false, welcomed: false, synced: false });
    }
  }

  /** A node on `log` (its replica): a hub with the projection rebuilt from it, following the engine. */
  async boot(i: number, written: EventLog): Promise<Node> {
    // A short write-behind delay, so that crashes find unwritten tails as often as written ones.
    const log = new ReplicaLog(written, { flushMs: 1 });
    log.onFailed = (e) => this.violations.push(`n${i} replica write failed: ${e.message}`);
    const th = testHub({ log, fanout: new FakeFanout() });
    const cluster = startClusterNode(th.hub, await this.store.open(), silentLogger, {
      commitMaxEvents: 1000, node: `n${i}`, presenceBus: this.presence.bus(), presenceTimeoutMs: 60_000, storeTimeoutMs: 60_000,
      onDiverged: (why) => this.violations.push(`n${i} diverged: ${why}`),
      onCommitPathFailed: (why) => this.violations.push(`n${i} commit path failed: ${why}`),
    });
    void cluster.presence.start();
    return { log, th, cluster };
  }

  /** The model: the engine's one ordered log (as of the last refresh). */
  engineStream(stream: string): StoredEvent[] { return this.mirror.filter((e) => e.stream === stream); }
  engineEvent(stream: string, seq: number): StoredEvent | undefined { return this.mirror.find((e) => e.stream === stream && e.seq === seq); }
  engineHead(stream: string): number { return this.mirrorHeads.get(stream) ?? 0; }
  get enginePos(): number { return this.mirror.length; }

  private async refresh(): Promise<void> {
    this.mirror = await this.admin.readAfter(0, 1_000_000);
    this.mirrorHeads = new Map();
    for (const e of this.mirror) this.mirrorHeads.set(e.stream, e.seq);
    for (const check of this.deferred.splice(0)) check();
  }

  nextCmid(): string { return `m${++this.cmids}`; }

  /** The engine's log as the read rule sees it (actors/testing/read-rights.ts). */
  readonly view: LogView = { events: (stream) => this.engineStream(stream), streams: () => this.mirrorHeads.keys() };
  memberAsOf(room: string, user: string, seq: number): boolean { return memberAsOf(this.engineStream(roomStream(room)), user, seq); }
  mayRead(user: string, e: EventData): boolean { return mayRead(this.view, user, e); }
  readable(user: string): string[] { return readable(this.view, user); }

  onFrame(dev: Device, f: ServerFrame, via: Via): void {
    const fail = (why: string) => this.violations.push(`${dev.user}/${dev.name}@n${dev.node}: ${why}`);
    if (f.type === "welcome") {
      dev.welcomed = true;
      // Checked once the model is read again: it may have grown since, so this can only miss a violation, never invent one.
      const heads = f.streams.map((s) => ({ stream: s.stream, head: s.head }));
      this.deferred.push(() => {
        for (const s of heads) if (s.head > this.engineHead(s.stream)) fail(`welcome says ${s.stream} head ${s.head}, ahead of the engine's ${this.engineHead(s.stream)}`);
      });
      if (dev.fresh) {
        dev.cursors.clear();
        for (const s of f.streams) dev.cursors.set(s.stream, s.head);
      }
      return;
    }
    if (f.type === "synced") { dev.synced = true; return; }
    if (f.type === "ack" && typeof f.id === "string" && f.id.startsWith("send:") && !f.duplicate) {
      const cmid = f.id.slice("send:".length);
      const to = this.sent.get(cmid);
      if (to) this.acked.set(cmid, { user: dev.user, to, stream: f.stream, seq: f.seq });
      return;
    }
    if (f.type === "ack" || f.type === "error") { this.replies.set(String(f.id), f); return; }
    if (f.type !== "event") return;
    const { type: _type, ...e } = f;
    const where = `${e.stream}#${e.seq} (${e.kind} by ${e.author})`;
    if (!dev.welcomed) fail(`${where} before welcome`);
    if (via === "conn" && !dev.synced) {
      if (dev.fresh) fail(`${where} replayed on a fresh start`);
      coverage.replayed += 1;
    }
    this.deferred.push(() => {
      if (!this.mayRead(dev.user, e)) fail(`${where} may not be read by ${dev.user}`);
      if (!sameEvent(this.engineEvent(e.stream, e.seq), e)) fail(`${where} differs from the engine's log`);
    });
    const cursor = dev.cursors.get(e.stream);
    const ownJoined = e.kind === "joined" && e.author === dev.user;
    const isRoom = e.stream.startsWith("room:");
    if (cursor === undefined) {
      if (isRoom ? !ownJoined : e.seq !== 1) fail(`${where} is the first event seen of the stream`);
    } else if (e.seq !== cursor + 1) {
      if (isRoom && ownJoined && e.seq > cursor) coverage.rejoinJumps += 1;
      else fail(`${where}: expected seq ${cursor + 1}${e.seq <= cursor ? " (duplicate)" : " (gap)"}`);
    }
    dev.cursors.set(e.stream, e.seq);
    let list = dev.received.get(e.stream);
    if (!list) dev.received.set(e.stream, (list = []));
    list.push(e);
    coverage.events += 1;
  }

  connect(dev: Device, withCursors: boolean, node: number): void {
    if (withCursors && dev.node !== undefined && dev.node !== node) coverage.resumesElsewhere += 1;
    dev.fresh = !withCursors;
    dev.welcomed = false;
    dev.synced = false;
    dev.node = node;
    dev.client = new TestClient(this.nodes[node]!.th, dev.encoding, (f, via) => this.onFrame(dev, f, via));
    dev.client.hello(dev.user, dev.name, withCursors ? Object.fromEntries(dev.cursors) : undefined);
  }

  disconnect(dev: Device): void {
    dev.client?.drop();
    dev.client = undefined;
    dev.synced = false;
  }

  /** A node dies mid-flight: its clients drop, its followers stop without draining; a new hub starts on the replica (or a new one). */
  async crash(i: number, keepReplica: boolean): Promise<void> {
    for (const d of this.devices.values()) if (d.node === i && d.client) this.disconnect(d);
    const old = this.nodes[i]!;
    await old.cluster.tailer.stop();
    await old.cluster.presence.stop();
    // What was written survives; the unwritten tail dies with the process.
    this.nodes[i] = await this.boot(i, keepReplica ? old.log.abandon() : createMemoryLog());
    coverage.crashes += 1;
    if (!keepReplica) coverage.rebuilt += 1;
  }

  /** Until every node's replica holds the engine's whole log and nothing is in flight. */
  async quiesce(): Promise<void> {
    const deadline = Date.now() + 30_000;
    let head = -1;
    while (Date.now() < deadline) {
      await settle();
      head = (await this.admin.head()).pos;
      const hellos = [...this.devices.values()].every((d) => !d.client || d.synced || d.client.socket.closed);
      if (hellos && this.nodes.every((n) => n.log.lastPos() === head && n.cluster.writer.idle)) {
        await settle();
        if ((await this.admin.head()).pos === head) return this.refresh();
      }
      if (this.store.kill) await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error(`the cluster did not settle: engine at ${head}, replicas at ${this.nodes.map((n) => n.log.lastPos()).join(", ")}, writers idle ${this.nodes.map((n) => n.cluster.writer.idle).join(", ")}`);
  }

  async kill(): Promise<void> {
    await this.store.kill?.();
    coverage.kills += 1;
  }

  finalProblems(): string[] {
    const problems = [...this.violations];
    for (const [stream, head] of this.mirrorHeads) {
      const seqs = this.engineStream(stream).map((e) => e.seq);
      if (seqs.join() !== Array.from({ length: head }, (_, i) => i + 1).join()) problems.push(`${stream} is not gapless in the engine`);
    }
    for (const n of this.nodes) {
      if (n.log.lastPos() !== this.enginePos) problems.push(`a replica is at ${n.log.lastPos()} of ${this.enginePos}`);
    }
    for (const dev of this.devices.values()) {
      const who = `${dev.user}/${dev.name}@n${dev.node}`;
      if (dev.client && dev.synced) {
        for (const s of this.readable(dev.user)) {
          if ((dev.cursors.get(s) ?? 0) !== this.engineHead(s)) problems.push(`${who} is at ${dev.cursors.get(s) ?? 0} of ${s}, head ${this.engineHead(s)}`);
        }
      }
      for (const [stream, events] of dev.received) {
        let start = 0;
        for (let i = 1; i <= events.length; i++) {
          if (i < events.length && events[i]!.seq === events[i - 1]!.seq + 1) continue;
          const run = events.slice(start, i);
          if (!run.every((e) => sameEvent(this.engineEvent(stream, e.seq), e))) problems.push(`${who} ${stream} ${run[0]!.seq}..${run.at(-1)!.seq} differs from the engine`);
          start = i;
        }
      }
    }
    return problems;
  }

  async end(): Promise<void> {
    for (const d of this.devices.values()) this.disconnect(d);
    for (const n of this.nodes) {
      await n.cluster.stop();
      n.th.hub.shutdown(1001, "end");
    }
    await this.store.dispose();
  }
}

function sameEvent(a: object | undefined, b: object): boolean {
  if (!a) return false;
  const norm = (o: object) => JSON.stringify(Object.entries(o).filter(([, v]) => v !== undefined).sort(([x], [y]) => (x < y ? -1 : 1)));
  return norm(a) === norm(b);
}

type Model = { connected: Set<string> };
type Cmd = fc.AsyncCommand<Model, World>;
type DeviceRef = { user: string; device: string };
const keyOf = (d: DeviceRef) => `${d.user}/${d.device}`;
const deviceArb = fc.record({ user: fc.constantFrom(...USERS), device: fc.constantFrom(...DEVICES.map((d) => d.name)) });
const nodeArb = fc.nat(NODES - 1);

/** Settled commands wait until the whole cluster is quiet; the others race with what is in flight. */
const then = (w: World, settleAfter: boolean) => (settleAfter ? w.quiesce() : settle(2));
const mark = (settleAfter: boolean) => (settleAfter ? "" : "~");

class Connect implements Cmd {
  constructor(readonly d: DeviceRef, readonly withCursors: boolean, readonly node: number, readonly settleAfter = true) {}
  check = (m: Readonly<Model>) => !m.connected.has(keyOf(this.d));
  async run(m: Model, w: World) {
    w.connect(w.devices.get(keyOf(this.d))!, this.withCursors, this.node);
    m.connected.add(keyOf(this.d));
    await then(w, this.settleAfter);
  }
  toString = () => `${this.withCursors ? "resume" : "connect"}${mark(this.settleAfter)}(${keyOf(this.d)}@n${this.node})`;
}

class Disconnect implements Cmd {
  constructor(readonly d: DeviceRef, readonly settleAfter = true) {}
  check = (m: Readonly<Model>) => m.connected.has(keyOf(this.d));
  async run(m: Model, w: World) {
    w.disconnect(w.devices.get(keyOf(this.d))!);
    m.connected.delete(keyOf(this.d));
    await then(w, this.settleAfter);
  }
  toString = () => `disconnect${mark(this.settleAfter)}(${keyOf(this.d)})`;
}

type Action =
  | { kind: "join"; room: string } | { kind: "leave"; room: string } | { kind: "send"; room: string }
  | { kind: "dm"; to: string } | { kind: "retry"; n: number; node: number } | { kind: "read"; n: number };

class DeviceCommand implements Cmd {
  constructor(readonly d: DeviceRef, readonly a: Action, readonly node: number, readonly settleAfter = true) {}
  check = () => true;
  async run(m: Model, w: World) {
    const dev = w.devices.get(keyOf(this.d))!;
    // A socket the server closed (a hello that failed while PostgreSQL was away) counts as gone.
    if (dev.client?.socket.closed) { w.disconnect(dev); m.connected.delete(keyOf(this.d)); }
    if (!m.connected.has(keyOf(this.d))) await new Connect(this.d, true, this.node, this.settleAfter).run(m, w);
    const a = this.a;
    switch (a.kind) {
      case "join": dev.client!.send({ type: "join", room: a.room }); break;
      case "leave": dev.client!.send({ type: "leave", room: a.room }); break;
      case "send": case "dm": {
        if (a.kind === "dm" && a.to === dev.user) return;
        const cmid = w.nextCmid();
        const to: SendTarget = a.kind === "send" ? { room: a.room } : { user: a.to };
        w.sent.set(cmid, to);
        if (a.kind === "dm") coverage.dms += 1;
        dev.client!.send({ type: "send", id: `send:${cmid}`, to, cmid, text: `${cmid} from ${keyOf(this.d)}` });
        break;
      }
      case "retry": {
        // The device moves to another node and retries one of its acked sends there.
        await w.quiesce();
        const mine = [...w.acked.entries()].filter(([, s]) => s.user === dev.user);
        const pick = mine[a.n % Math.max(1, mine.length)];
        if (!pick) return;
        const [cmid, original] = pick;
        if (dev.node !== a.node) {
          w.disconnect(dev);
          w.connect(dev, true, a.node);
          await w.quiesce();
        }
        const before = w.enginePos;
        const id = `retry:${cmid}:${a.n}:${before}`;
        dev.client!.send({ type: "send", id, to: original.to, cmid, text: "retried, maybe with other text" });
        await w.quiesce();
        if (w.enginePos !== before) w.violations.push(`retry of ${cmid} appended ${w.enginePos - before} events`);
        const reply = w.replies.get(id);
        if (reply?.type === "ack" && reply.duplicate && reply.stream === original.stream && reply.seq === original.seq) coverage.duplicateAcksElsewhere += 1;
        else if (dev.client?.socket.closed || (reply?.type === "error" && reply.code === "store_unavailable")) return; // not answered: fine, as long as nothing was appended
        else if (!(reply?.type === "error" && reply.code === "not_member" && "room" in original.to && !w.memberAsOf(original.to.room, dev.user, Number.MAX_SAFE_INTEGER))) {
          w.violations.push(`retry of ${cmid} (${original.stream}#${original.seq}) on n${a.node} answered ${JSON.stringify(reply)}`);
        }
        return;
      }
      case "read": {
        const seen = [...dev.cursors].filter(([s, seq]) => seq > 0 && !s.startsWith("user:") && w.readable(dev.user).includes(s));
        const pick = seen[a.n % Math.max(1, seen.length)];
        if (pick) dev.client!.send({ type: "read", stream: pick[0], seq: pick[1] });
        break;
      }
    }
    await then(w, this.settleAfter);
  }
  toString = () => {
    const a = this.a;
    return `${a.kind}${mark(this.settleAfter)}(${keyOf(this.d)}, ${a.kind === "dm" ? a.to : "room" in a ? a.room : a.kind === "retry" ? `${a.n}@n${a.node}` : a.n})`;
  };
}

class Crash implements Cmd {
  constructor(readonly node: number, readonly keepReplica: boolean) {}
  check = () => true;
  async run(m: Model, w: World) {
    for (const [key, d] of w.devices) if (d.node === this.node && d.client) m.connected.delete(key);
    await w.crash(this.node, this.keepReplica);
    await w.quiesce();
  }
  toString = () => `crash(n${this.node}${this.keepReplica ? "" : ", replica deleted"})`;
}

/** PostgreSQL only: every connection of every node ends at once; sends in flight get store_unavailable, followers reconnect. */
class Kill implements Cmd {
  check = () => true;
  async run(_m: Model, w: World) {
    await w.kill();
    await w.quiesce();
  }
  toString = () => "pg_terminate_backend(all)";
}

function commandsFor(opts: { kills: boolean; maxCommands: number }) {
  const room = fc.constantFrom(...ROOMS, ROOMS[0]);
  const settleAfter = fc.oneof({ weight: 2, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
  const on = <A,>(a: fc.Arbitrary<A>) => fc.tuple(deviceArb, a, nodeArb, settleAfter);
  return fc.commands([
    on(fc.boolean()).map(([d, resume, n, s]) => new Connect(d, resume, n, s)),
    on(fc.constant(0)).map(([d, , , s]) => new Disconnect(d, s)),
    on(room).map(([d, r, n, s]) => new DeviceCommand(d, { kind: "join", room: r }, n, s)),
    on(room).map(([d, r, n, s]) => new DeviceCommand(d, { kind: "join", room: r }, n, s)),
    on(room).map(([d, r, n, s]) => new DeviceCommand(d, { kind: "leave", room: r }, n, s)),
    on(room).map(([d, r, n, s]) => new DeviceCommand(d, { kind: "send", room: r }, n, s)),
    on(room).map(([d, r, n, s]) => new DeviceCommand(d, { kind: "send", room: r }, n, s)),
    on(fc.constantFrom(...USERS)).map(([d, u, n, s]) => new DeviceCommand(d, { kind: "dm", to: u }, n, s)),
    on(fc.tuple(fc.nat(20), nodeArb)).map(([d, [k, at], n, s]) => new DeviceCommand(d, { kind: "retry", n: k, node: at }, n, s)),
    on(fc.nat(20)).map(([d, k, n, s]) => new DeviceCommand(d, { kind: "read", n: k }, n, s)),
    fc.tuple(nodeArb, fc.boolean()).map(([n, keep]) => new Crash(n, keep)),
    ...(opts.kills ? [fc.constant(new Kill())] : []),
  ], { maxCommands: opts.maxCommands, size: "+1" });
}

async function runModel(store: () => Promise<Store>, opts: { kills: boolean; maxCommands: number; numRuns: number }): Promise<void> {
  await fc.assert(fc.asyncProperty(commandsFor(opts), async (cmds) => {
    const world = await World.create(await store());
    try {
      await fc.asyncModelRun(() => ({ model: { connected: new Set<string>() }, real: world }), cmds);
      await world.quiesce();
      expect(world.finalProblems()).toEqual([]);
      for (const d of world.devices.values()) expect(d.client?.socket.wireErrors ?? []).toEqual([]);
    } finally {
      await world.end();
    }
  }), {
    numRuns: opts.numRuns,
    // Replay a reported failure: HUBBUB_MODEL_SEED=<seed> HUBBUB_MODEL_PATH=<path>.
    ...(process.env.HUBBUB_MODEL_SEED ? { seed: Number(process.env.HUBBUB_MODEL_SEED), path: process.env.HUBBUB_MODEL_PATH, endOnFailure: true } : {}),
  });
}

test("cluster (memory engine): every device, on any node and across node crashes, receives exactly the engine's log, gap-free and duplicate-free", async () => {
  for (const k of Object.keys(coverage) as (keyof typeof coverage)[]) coverage[k] = 0;
  await runModel(async () => memoryStore(), { kills: false, maxCommands: 40, numRuns: Number(process.env.HUBBUB_MODEL_RUNS ?? 40) });
  // The paths every CI run must reach (rarer ones — a re-join jump, a deleted replica — are reached in most runs, not all).
  for (const what of ["events", "replayed", "resumesElsewhere", "crashes", "duplicateAcksElsewhere", "dms"] as const) {
    expect({ what, reached: coverage[what] > 0 }).toEqual({ what, reached: true });
  }
  expect(coverage.events).toBeGreaterThan(500);
}, 120_000);

test("cluster (PostgreSQL, connections killed at random): the same, on one schema", async () => {
  for (const k of Object.keys(coverage) as (keyof typeof coverage)[]) coverage[k] = 0;
  await runModel(pgStore, { kills: true, maxCommands: 30, numRuns: Number(process.env.HUBBUB_MODEL_PG_RUNS ?? 10) });
  expect(coverage.kills).toBeGreaterThan(0);
  expect(coverage.events).toBeGreaterThan(30);
}, 180_000);
