/**
 * Presence and typing across the nodes of a cluster, in the manner of Phoenix.Tracker: each node
 * owns the presence of its own sockets and tells the others on the presence bus; a user's
 * presence in a room is the union over nodes. Ephemeral: nothing here is in the event log.
 * docs/architecture.md, "Cluster mode".
 *
 * On the bus (JSON, each payload ≤ MAX_PAYLOAD_BYTES; every message names its node `n`, the
 * node's incarnation `i` — random per process start — and `s`, the number of delta messages
 * that incarnation has sent):
 * - `d` delta: ops `["+", room, user, device, client]`, `["-", room, user, device]`,
 *   `["t", groups, stream, user]` (typing); `s` counts up by one per delta message;
 * - `h` heartbeat every `heartbeatMs`, carrying `s`: a receiver whose count differs missed a delta;
 * - `f` full state, in parts (`id`, `p` of `of`), sent in ONE bus call so no delta falls between
 *   its parts; it is the sender's whole local presence as of delta `s`. Sent every FULL_STATE_MS,
 *   and soon after a `w`;
 * - `w` want: "send me your full state" (`of` one node, or everyone): sent by a receiver that
 *   missed something (a gap in `s`, a broken full state, an incarnation first heard mid-stream)
 *   and by every node whenever its own LISTEN is (again) in place;
 * - `b` bye: the node stops; drop its presence now.
 * A node not heard from (any message) for `timeoutMs` is dropped: its presence goes offline
 * everywhere. A restarted node has a new incarnation, which replaces the old one's presence.
 */
import type { PresenceEntry, TypingEventFrame } from "../protocol/index.ts";
import type { RemoteChange } from "../actors/room-presence.ts";
import { MAX_PAYLOAD_BYTES, type PresenceBus } from "./presence-bus.ts";

/** Every node re-sends its whole presence this often, even when nobody asked (heals what no check caught). */
export const FULL_STATE_MS = 30_000;

/** Longest `stop()` waits for the bye (and what is queued before it) to be sent. */
const STOP_WAIT_MS = 1_000;

/** A device's key in a room, as RoomPresence keys it. */
export const presenceKey = (user: string, device: string): string => `${user}/${device}`;

export interface PresenceTrackerOptions {
  node: string;
  bus: PresenceBus;
  /** A node silent for this long is dropped (its presence goes offline on every other node). */
  timeoutMs: number;
  /** Default: timeoutMs / 5. */
  heartbeatMs?: number;
  fullStateMs?: number;
  /**
   * Presence in `room` as the other nodes have it changed: each key's union over them before the
   * message that changed it and now (undefined: offline on all). Called in the same synchronous
   * block as the change, so `remoteIn` and what the callback has been told always agree.
   */
  onRemote(room: string, changes: ReadonlyMap<string, RemoteChange>): void;
  onTyping(groups: string[], frame: TypingEventFrame): void;
  onNodeDropped?(node: string, why: string): void;
  onError?(e: unknown): void;
}

type Op = ["+", string, string, string, string] | ["-", string, string, string] | ["t", string[], string, string];
type FullEntry = [string, string, string, string];

interface Message {
  n: string;
  i: string;
  s: number;
  k: "d" | "h" | "f" | "w" | "b";
  o?: Op[];
  id?: string;
  p?: number;
  of?: number | string;
  e?: FullEntry[];
}

interface RemoteNode {
  inc: string;
  /** Delta messages applied (the sender's `s` as far as this node knows). */
  seq: number;
  /** False while this node may have missed a delta: it has asked for a full state. */
  synced: boolean;
  heard: number;
  wantedAt: number;
  building?: { id: string; of: number; next: number; rooms: Map<string, Map<string, PresenceEntry>> };
}

/**
 * A device online in a room on other nodes: the first holder's entry, and the holders (nearly
 * always one, so no array then). One object, the entry itself, with its holders in a property
 * that is not enumerable, so frames (JSON, msgpack: own enumerable keys) carry only the entry's
 * three fields. Each node holds every other node's entries (~86k at 100k connections on 7
 * nodes): a separate `{ entry, by }` record cost 40 B more per entry (heap census).
 */
interface Held extends PresenceEntry { by: RemoteNode | RemoteNode[] }

function held(e: PresenceEntry, by: RemoteNode): Held {
  const h = { user: e.user, device: e.device, client: e.client } as Held;
  Object.defineProperty(h, "by", { value: by, writable: true, enumerable: false });
  return h;
}

const holds = (h: Held, st: RemoteNode): boolean => h.by === st || (Array.isArray(h.by) && h.by.includes(st));

const NOBODY: ReadonlyMap<string, PresenceEntry> = new Map();

/** Distinct client kinds kept as one string each (a handful in practice: "web", "cli"…); past this many, the table starts over. */
const CLIENT_KINDS = 256;

export class PresenceTracker {
  readonly incarnation = crypto.randomUUID().slice(0, 8);
  private readonly heartbeatMs: number;
  private readonly fullStateMs: number;
  /** This node's own presence, room -> key -> entry: what its full state says. */
  private readonly local = new Map<string, Map<string, PresenceEntry>>();
  private readonly nodes = new Map<string, RemoteNode>();
  /** The union over other nodes: room -> key -> entry and which nodes have it. */
  private readonly union = new Map<string, Map<string, Held>>();
  private pending: Op[] = [];
  private flushScheduled = false;
  private fullScheduled: ReturnType<typeof setTimeout> | undefined;
  private seq = 0;
  private sending: Promise<void> = Promise.resolve();
  private timers: ReturnType<typeof setInterval>[] = [];
  private listener: { stop(): Promise<void> } | undefined;
  private stopped = false;
  /** Changes made while handling one message, announced at its end. */
  private changes = new Map<string, Map<string, RemoteChange>>();
  /**
   * Client kinds as one string per node, not one per entry as JSON.parse makes them (every remote
   * entry has one). Device ids are not interned: each is one device's, and a one-character id is
   * shared by the engine already.
   */
  private readonly clients = new Map<string, string>();

  constructor(private readonly opts: PresenceTrackerOptions) {
    this.heartbeatMs = opts.heartbeatMs ?? Math.max(20, Math.floor(opts.timeoutMs / 5));
    this.fullStateMs = opts.fullStateMs ?? FULL_STATE_MS;
  }

  async start(): Promise<void> {
    this.listener = await this.opts.bus.listen({
      onMessage: (p) => this.receive(p),
      // (Again) listening: whatever was sent meanwhile is lost, so ask everyone for their state.
      onListening: () => this.send({ k: "w" }),
    });
    this.send({ k: "h" });
    this.timers.push(setInterval(() => this.tick(), this.heartbeatMs));
    this.timers.push(setInterval(() => this.sendFull(), this.fullStateMs));
    for (const t of this.timers) t.unref?.();
  }

  /** Says goodbye (the others drop this node's presence at once) and stops listening. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.flush();
    this.send({ k: "b" });
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.fullScheduled);
    // The bye is a courtesy (silence has the same effect after timeoutMs): never let a hung
    // connection hold up a node's shutdown for it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.sending, new Promise((r) => { timer = setTimeout(r, STOP_WAIT_MS); })]);
    clearTimeout(timer);
    await this.listener?.stop().catch(() => {});
  }

  /** This node's sockets changed presence in `room` (net changes of one turn). */
  localChanged(room: string, on: readonly PresenceEntry[], off: readonly PresenceEntry[]): void {
    let keys = this.local.get(room);
    for (const e of off) {
      keys?.delete(presenceKey(e.user, e.device));
      this.queue(["-", room, e.user, e.device]);
    }
    if (keys?.size === 0) { this.local.delete(room); keys = undefined; }
    if (on.length > 0 && !keys) this.local.set(room, (keys = new Map()));
    for (const e of on) {
      keys!.set(presenceKey(e.user, e.device), e);
      this.queue(["+", room, e.user, e.device, e.client]);
    }
  }

  /** A typing signal published here goes to the same groups on every other node. */
  typing(groups: string[], frame: TypingEventFrame): void {
    this.queue(["t", groups, frame.stream, frame.user]);
  }

  /**
   * Who the other nodes have online in `room`, by key: the tracker's own map, live (read it, do
   * not keep it: a room's map goes when its last entry does). A room actor reads this instead of
   * keeping a copy (another map entry per remote entry per room); it is told of every change in
   * the same synchronous block by `onRemote`, with the value before it.
   */
  remoteIn(room: string): ReadonlyMap<string, PresenceEntry> {
    return this.union.get(room) ?? NOBODY;
  }

  /** For /health: the other nodes heard from, and whether their presence is known in full. */
  status(): { incarnation: string; nodes: Record<string, { synced: boolean; silentMs: number }> } {
    const nodes: Record<string, { synced: boolean; silentMs: number }> = {};
    const now = Date.now();
    for (const [n, st] of this.nodes) nodes[n] = { synced: st.synced, silentMs: now - st.heard };
    return { incarnation: this.incarnation, nodes };
  }

  // ---------- sending ----------

  private queue(op: Op): void {
    if (this.stopped) return;
    this.pending.push(op);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Pending ops become delta messages (each with the next `s`), chunked to the payload limit. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const ops = this.pending;
    this.pending = [];
    const payloads: string[] = [];
    for (const part of chunks(ops, 200)) payloads.push(this.encode({ k: "d", o: part }, ++this.seq));
    this.post(payloads);
  }

  private send(m: Pick<Message, "k" | "of">): void {
    if (this.stopped) return;
    this.flush();
    this.post([this.encode(m, this.seq)]);
  }

  /** The whole local presence as of the current `s`, in parts sent together. */
  private sendFull(): void {
    clearTimeout(this.fullScheduled);
    this.fullScheduled = undefined;
    if (this.stopped) return;
    this.flush();
    const entries: FullEntry[] = [];
    for (const [room, keys] of this.local) for (const e of keys.values()) entries.push([room, e.user, e.device, e.client]);
    const parts = chunks(entries, 200);
    if (parts.length === 0) parts.push([]);
    const id = crypto.randomUUID().slice(0, 8);
    this.post(parts.map((e, p) => this.encode({ k: "f", id, p, of: parts.length, e }, this.seq)));
  }

  private encode(m: Omit<Message, "n" | "i" | "s">, s: number): string {
    return JSON.stringify({ n: this.opts.node, i: this.incarnation, s, ...m });
  }

  /** One bus call at a time, so this node's messages are delivered in the order made. */
  private post(payloads: string[]): void {
    this.sending = this.sending.then(() => this.opts.bus.send(payloads)).catch((e) => this.opts.onError?.(e));
  }

  private tick(): void {
    this.send({ k: "h" });
    const now = Date.now();
    for (const [n, st] of this.nodes) {
      if (now - st.heard > this.opts.timeoutMs) this.dropNode(n, `silent for ${now - st.heard} ms`);
      else if (!st.synced && now - st.wantedAt > this.opts.timeoutMs) this.want(n, st); // the full state was lost too
    }
    this.announce();
  }

  private want(n: string, st: RemoteNode): void {
    st.synced = false;
    if (Date.now() - st.wantedAt < this.heartbeatMs) return;
    st.wantedAt = Date.now();
    this.send({ k: "w", of: n });
  }

  // ---------- receiving ----------

  private receive(payload: string): void {
    let m: Message;
    try {
      m = JSON.parse(payload) as Message;
    } catch (e) {
      return this.opts.onError?.(e);
    }
    if (this.stopped || m.n === this.opts.node) return;
    try {
      this.handle(m);
    } finally {
      this.announce();
    }
  }

  private handle(m: Message): void {
    if (m.k === "w" && (m.of === undefined || m.of === this.opts.node)) {
      this.fullScheduled ??= setTimeout(() => this.sendFull(), 20);
    }
    let st = this.nodes.get(m.n);
    if (m.k === "b") {
      if (st?.inc === m.i) this.dropNode(m.n, "stopped");
      return;
    }
    if (!st || st.inc !== m.i) {
      if (st) this.dropNode(m.n, "restarted");
      // A new incarnation starts with no presence: heard from its first message, nothing was missed.
      const fromStart = m.k === "d" ? m.s === 1 : m.s === 0;
      st = { inc: m.i, seq: m.k === "d" ? m.s - 1 : m.s, synced: fromStart, heard: Date.now(), wantedAt: 0 };
      this.nodes.set(m.n, st);
      if (!fromStart) this.want(m.n, st);
    }
    st.heard = Date.now();
    switch (m.k) {
      case "d":
        if (m.s !== st.seq + 1) this.want(m.n, st);
        st.seq = Math.max(st.seq, m.s);
        // Ops are absolute (online / offline), so applying them after a gap is safe; the full state corrects the rest.
        for (const op of m.o ?? []) this.apply(st, op);
        return;
      case "h":
      case "w":
        if (m.s !== st.seq) this.want(m.n, st);
        return;
      case "f": return this.part(m.n, st, m);
      default: return;
    }
  }

  private apply(st: RemoteNode, op: Op): void {
    switch (op[0]) {
      case "+": return this.set(st, op[1], presenceKey(op[2], op[3]), { user: op[2], device: op[3], client: this.client(op[4]) });
      case "-": return this.set(st, op[1], presenceKey(op[2], op[3]), undefined);
      case "t": return this.opts.onTyping(op[1], { type: "typing", stream: op[2], user: op[3] });
      default: return;
    }
  }

  private part(n: string, st: RemoteNode, m: Message): void {
    const of = Number(m.of);
    if (m.p === 0) st.building = { id: m.id!, of, next: 0, rooms: new Map() };
    const b = st.building;
    if (!b || b.id !== m.id || b.next !== m.p) {
      st.building = undefined;
      return this.want(n, st);
    }
    for (const [room, user, device, client] of m.e ?? []) {
      let keys = b.rooms.get(room);
      if (!keys) b.rooms.set(room, (keys = new Map()));
      keys.set(presenceKey(user, device), { user, device, client: this.client(client) });
    }
    b.next++;
    if (b.next < b.of) return;
    st.building = undefined;
    // Replace: everything the node had that the full state lacks goes, everything in it is set.
    for (const [room, key] of this.heldBy(st)) if (!b.rooms.get(room)?.has(key)) this.set(st, room, key, undefined);
    for (const [room, keys] of b.rooms) for (const [key, e] of keys) this.set(st, room, key, e);
    st.seq = m.s;
    st.synced = true;
  }

  /**
   * One node's presence of one device in one room. The union is the only place remote presence
   * is kept (each node holds every other node's entries: ~86k per node at 100k connections on 7
   * nodes), so a per-node copy of it would cost another map entry per entry.
   */
  private set(st: RemoteNode, room: string, key: string, entry: PresenceEntry | undefined): void {
    let u = this.union.get(room);
    const now = u?.get(key);
    const had = now !== undefined && holds(now, st);
    if (had === (entry !== undefined)) return;
    let c = this.changes.get(room);
    if (!c) this.changes.set(room, (c = new Map()));
    // The value before this message: the first change of the key in it says what it was.
    const before = c.has(key) ? c.get(key)!.before : now;
    if (entry) {
      if (!u) this.union.set(room, (u = new Map()));
      if (now) now.by = Array.isArray(now.by) ? [...now.by, st] : [now.by, st];
      else u.set(key, held(entry, st));
    } else {
      const rest = Array.isArray(now!.by) ? now!.by.filter((n) => n !== st) : [];
      if (rest.length === 0) {
        u!.delete(key);
        if (u!.size === 0) this.union.delete(room);
      } else now!.by = rest.length === 1 ? rest[0]! : rest;
    }
    c.set(key, { before, after: this.union.get(room)?.get(key) });
  }

  private client(kind: string): string {
    const known = this.clients.get(kind);
    if (known !== undefined) return known;
    if (this.clients.size >= CLIENT_KINDS) this.clients.clear();
    this.clients.set(kind, kind);
    return kind;
  }

  /** Every (room, key) node `st` has, as a list (set() may change the union while it is walked). */
  private heldBy(st: RemoteNode): [string, string][] {
    const out: [string, string][] = [];
    for (const [room, keys] of this.union) for (const [key, h] of keys) if (holds(h, st)) out.push([room, key]);
    return out;
  }

  private dropNode(n: string, why: string): void {
    const st = this.nodes.get(n);
    if (!st) return;
    this.nodes.delete(n);
    for (const [room, key] of this.heldBy(st)) this.set(st, room, key, undefined);
    this.opts.onNodeDropped?.(n, why);
  }

  private announce(): void {
    if (this.changes.size === 0) return;
    const changes = this.changes;
    this.changes = new Map();
    for (const [room, c] of changes) {
      try { this.opts.onRemote(room, c); } catch (e) { this.opts.onError?.(e); }
    }
  }
}

/**
 * Splits items into groups whose JSON fits a payload beside the message's header (names are at
 * most 64 characters, so a header is well under `reserve` bytes).
 */
function chunks<T>(items: readonly T[], reserve: number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const it of items) {
    const b = Buffer.byteLength(JSON.stringify(it), "utf8") + 1;
    if (cur.length > 0 && bytes + b > MAX_PAYLOAD_BYTES - reserve) { out.push(cur); cur = []; bytes = 0; }
    cur.push(it);
    bytes += b;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
