/**
 * Who is online in one room, per device, and how that is announced. Owned by the room's actor
 * and called only from it (or from a timer, between its messages: its handlers are synchronous).
 *
 * Announcements are coalesced: every change in one event-loop turn goes out at the end of the
 * turn as one `presence` frame with the net `joined` and `left` lists. A user whose many devices
 * come online together therefore costs one frame per subscriber, not one per device per
 * subscriber (devices² frames), and a device that drops and returns in the same turn costs none.
 *
 * A connection that starts following the room (already subscribed to its topic) is sent the list
 * as last announced — before this turn's changes, which reach it in the end-of-turn frame like
 * everyone else. That list changes only when a turn's frame goes out, so it is built and encoded
 * once per turn for all who start following then (many joins of one room in one turn each cost
 * an encode of the whole list before: 10 % of a connect-and-join profile in rooms of 100).
 *
 * Cluster mode (`owner.link`): a device is online when this node's sockets have it OR another
 * node does (src/cluster/presence-tracker.ts); subscribers hear only changes of that union, and
 * the other nodes hear of this node's own net changes at the end of the turn. The other nodes'
 * presence is read from the tracker's map, not copied: the tracker tells the room of each change
 * (`remoteChanged`, with the value before it) in the same synchronous block as it makes it.
 */
import type { PresenceEntry, PresenceFrame, ServerFrame } from "../protocol/index.ts";
import type { Conn } from "./messages.ts";
import { SharedFrame } from "./shared-frame.ts";

/**
 * A device online in the room with more than one socket, or with none while its grace period
 * runs. `entry` is what it was announced as (its first socket's). `conns` is an array, not a
 * Set: a Set's table cost ~0.4 KB per device in every room (heap census, rooms of 100).
 */
class Device {
  leaveTimer: ReturnType<typeof setTimeout> | undefined;
  constructor(readonly entry: PresenceEntry, readonly conns: Conn[]) {}
}

/**
 * A device online in the room: its one socket itself (nearly always), else a Device. Keeping the
 * socket, not a record holding an entry object and an array of one, saves three objects per
 * device in every room: ~0.1 KB of JS heap per joined connection (bench/heap-census.ts).
 */
type Online = Conn | Device;

/** How a device is announced: made when needed, not kept per device. */
const entryOf = (d: Online): PresenceEntry => (d instanceof Device ? d.entry : { user: d.user, device: d.device, client: d.client });

/** Cluster mode: the other nodes' presence, and where this node's own changes go. */
export interface PresenceLink {
  /**
   * Who the other nodes have online in `room` now, by `user/device`: the link's own map, live
   * (read, never kept: each change of it reaches the room by `remoteChanged` at once).
   */
  remoteIn(room: string): ReadonlyMap<string, PresenceEntry>;
  localChanged(room: string, on: readonly PresenceEntry[], off: readonly PresenceEntry[]): void;
}

interface Change { entry: PresenceEntry; wasOnline: boolean; wasLocal: boolean }

/** One device's presence on the other nodes (their union) before a change and after it; undefined: offline on all. */
export interface RemoteChange { before: PresenceEntry | undefined; after: PresenceEntry | undefined }

export interface PresenceOwner {
  readonly name: string;
  /** Publishes to everyone following the room. */
  announce(frame: ServerFrame): void;
  /** A device's grace period after its last connection ended is over (post it through the mailbox). */
  expireLater(key: string, ms: number): ReturnType<typeof setTimeout>;
  readonly graceMs: number;
  /** Called after an end-of-turn announcement: the room may have become idle. */
  settled(): void;
  /** Cluster mode only. */
  readonly link?: PresenceLink;
}

export class RoomPresence {
  private readonly devices = new Map<string, Online>();
  /** Devices changed this turn -> whether subscribers knew them as online before it; made on the first change. */
  private changed: Map<string, Change> | undefined;
  /** The list as last announced, for those who start following; dropped when a turn's changes go out. */
  private announced: SharedFrame | undefined;
  constructor(private readonly owner: PresenceOwner) {}

  /** Cluster mode: devices online on other nodes (by key), as the link has them now; undefined on a single node. */
  private remote(): ReadonlyMap<string, PresenceEntry> | undefined {
    return this.owner.link?.remoteIn(this.owner.name);
  }

  /** Nobody online, no device in its grace period, nothing left to announce. */
  idle(): boolean {
    return this.devices.size === 0 && this.changed === undefined;
  }

  online(): PresenceEntry[] {
    const here = [...this.devices.values()].map(entryOf);
    const remote = this.remote();
    if (!remote) return here;
    for (const [key, e] of remote) if (!this.devices.has(key)) here.push(e);
    return here;
  }

  /**
   * Cluster mode: another node's presence of device `key` changed (the link's map says `after`
   * already); `before` is what it said until this change, as this room last heard it.
   */
  remoteChanged(key: string, { before, after }: RemoteChange): void {
    if (!this.owner.link) return;
    const wasOnline = before !== undefined || this.devices.has(key);
    const shown = after ?? before;
    if (shown) this.change(key, shown, wasOnline, this.devices.has(key));
  }

  /** A connection follows the room live: it gets the full list now; others hear of it at the end of the turn. */
  on(conn: Conn): void {
    const key = `${conn.user}/${conn.device}`;
    const d = this.devices.get(key);
    if (d === undefined) {
      this.devices.set(key, conn);
      this.change(key, entryOf(conn), this.remote()?.has(key) ?? false, false);
    } else if (d instanceof Device) {
      // The same device is back (within the grace period, or another socket): no flapping.
      clearTimeout(d.leaveTimer);
      d.leaveTimer = undefined;
      if (!d.conns.includes(conn)) d.conns.push(conn);
    } else if (d !== conn) {
      this.devices.set(key, new Device(entryOf(d), [d, conn])); // a second socket of the device
    }
    conn.replyShared(this.announced ??= new SharedFrame({ type: "presence", room: this.owner.name, online: this.announcedOnline() }));
  }

  /** Who subscribers were last told is online: now, with this turn's changes not yet announced undone. */
  private announcedOnline(): PresenceEntry[] {
    const changed = this.changed;
    const shown = (key: string) => changed?.get(key)?.wasOnline ?? true;
    const list: PresenceEntry[] = [];
    const remote = this.remote();
    for (const [key, d] of this.devices) if (shown(key)) list.push(entryOf(d));
    if (remote) for (const [key, e] of remote) if (!this.devices.has(key) && shown(key)) list.push(e);
    // Gone this turn, still online as far as anyone has been told.
    if (changed) for (const [key, c] of changed) if (c.wasOnline && !this.devices.has(key) && !remote?.has(key)) list.push(c.entry);
    return list;
  }

  off(conn: Conn): void {
    const key = `${conn.user}/${conn.device}`;
    const d = this.devices.get(key);
    let gone: Device;
    if (d instanceof Device) {
      const at = d.conns.indexOf(conn);
      if (at < 0) return;
      d.conns.splice(at, 1);
      if (d.conns.length > 0) return;
      gone = d;
    } else {
      if (d !== conn) return;
      gone = new Device(entryOf(conn), []);
      this.devices.set(key, gone);
    }
    if (this.owner.graceMs <= 0) return this.expire(key);
    gone.leaveTimer = this.owner.expireLater(key, this.owner.graceMs);
  }

  /** The device's grace period is over: offline, unless a socket of it came back meanwhile. */
  expire(key: string): void {
    const d = this.devices.get(key);
    if (!(d instanceof Device) || d.conns.length > 0) return;
    this.devices.delete(key);
    this.change(key, d.entry, true, true);
  }

  private change(key: string, entry: PresenceEntry, wasOnline: boolean, wasLocal: boolean): void {
    if (this.changed === undefined) {
      this.changed = new Map();
      setImmediate(() => this.flush());
    }
    if (!this.changed.has(key)) this.changed.set(key, { entry, wasOnline, wasLocal });
  }

  /** End of the turn: one frame with the net changes (none if everything came back as it was). */
  flush(): void {
    const changed = this.changed;
    this.changed = undefined;
    this.announced = undefined;
    if (!changed) return;
    this.flushChanges(changed);
    this.owner.settled();
  }

  private flushChanges(changed: Map<string, Change>): void {
    const joined: PresenceEntry[] = [];
    const left: PresenceEntry[] = [];
    const remote = this.remote();
    for (const [key, { entry, wasOnline }] of changed) {
      const d = this.devices.get(key);
      const now = d !== undefined ? entryOf(d) : remote?.get(key);
      if (now && !wasOnline) joined.push(now);
      else if (!now && wasOnline) left.push(entry);
    }
    if (this.owner.link) this.shareLocal(changed, this.owner.link);
    if (joined.length === 0 && left.length === 0) return;
    const frame: PresenceFrame = { type: "presence", room: this.owner.name };
    if (joined.length > 0) frame.joined = joined;
    if (left.length > 0) frame.left = left;
    this.owner.announce(frame);
  }

  /** This node's own net changes of the turn, for the other nodes. */
  private shareLocal(changed: Map<string, Change>, link: PresenceLink): void {
    const on: PresenceEntry[] = [];
    const off: PresenceEntry[] = [];
    for (const [key, { entry, wasLocal }] of changed) {
      const now = this.devices.get(key);
      if (now && !wasLocal) on.push(entryOf(now));
      else if (!now && wasLocal) off.push(entry);
    }
    if (on.length > 0 || off.length > 0) link.localChanged(this.owner.name, on, off);
  }
}
