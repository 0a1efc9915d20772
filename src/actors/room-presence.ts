/**
 * Who is online in one room, per device, and how that is announced. Owned by the room's actor
 * and called only from it (or from a timer, between its messages: its handlers are synchronous).
 *
 * Announcements are coalesced: every change in one event-loop turn goes out at the end of the
 * turn as one `presence` frame with the net `joined` and `left` lists. A user whose many devices
 * come online together therefore costs one frame per subscriber, not one per device per
 * subscriber (devices² frames), and a device that drops and returns in the same turn costs none.
 */
import type { PresenceEntry, PresenceFrame, ServerFrame } from "../protocol/index.ts";
import type { Conn } from "./messages.ts";

interface Presence { entry: PresenceEntry; conns: Set<Conn>; leaveTimer?: ReturnType<typeof setTimeout> }

export interface PresenceOwner {
  readonly name: string;
  /** Publishes to everyone following the room. */
  announce(frame: ServerFrame): void;
  /** A device's grace period after its last connection ended is over (post it through the mailbox). */
  expireLater(key: string, ms: number): ReturnType<typeof setTimeout>;
  readonly graceMs: number;
  /** Called after an end-of-turn announcement: the room may have become idle. */
  settled(): void;
}

export class RoomPresence {
  private readonly devices = new Map<string, Presence>();
  /** Devices changed this turn -> whether subscribers knew them as online before it; made on the first change. */
  private changed: Map<string, { entry: PresenceEntry; wasOnline: boolean }> | undefined;

  constructor(private readonly owner: PresenceOwner) {}

  /** Nobody online, no device in its grace period, nothing left to announce. */
  idle(): boolean {
    return this.devices.size === 0 && this.changed === undefined;
  }

  online(): PresenceEntry[] {
    return [...this.devices.values()].map((p) => p.entry);
  }

  /** A connection follows the room live: it gets the full list now; others hear of it at the end of the turn. */
  on(conn: Conn): void {
    const key = `${conn.user}/${conn.device}`;
    const p = this.devices.get(key);
    if (p) {
      // The same device is back (within the grace period, or a second socket): no flapping.
      clearTimeout(p.leaveTimer);
      p.leaveTimer = undefined;
      p.conns.add(conn);
    } else {
      const entry: PresenceEntry = { user: conn.user, device: conn.device, client: conn.client };
      this.devices.set(key, { entry, conns: new Set([conn]) });
      this.change(key, entry, false);
    }
    conn.reply({ type: "presence", room: this.owner.name, online: this.online() });
  }

  off(conn: Conn): void {
    const key = `${conn.user}/${conn.device}`;
    const p = this.devices.get(key);
    if (!p || !p.conns.delete(conn) || p.conns.size > 0) return;
    if (this.owner.graceMs <= 0) return this.expire(key);
    p.leaveTimer = this.owner.expireLater(key, this.owner.graceMs);
  }

  expire(key: string): void {
    const p = this.devices.get(key);
    if (!p || p.conns.size > 0) return;
    this.devices.delete(key);
    this.change(key, p.entry, true);
  }

  private change(key: string, entry: PresenceEntry, wasOnline: boolean): void {
    if (this.changed === undefined) {
      this.changed = new Map();
      setImmediate(() => this.flush());
    }
    if (!this.changed.has(key)) this.changed.set(key, { entry, wasOnline });
  }

  /** End of the turn: one frame with the net changes (none if everything came back as it was). */
  flush(): void {
    const changed = this.changed;
    this.changed = undefined;
    if (!changed) return;
    this.flushChanges(changed);
    this.owner.settled();
  }

  private flushChanges(changed: Map<string, { entry: PresenceEntry; wasOnline: boolean }>): void {
    const joined: PresenceEntry[] = [];
    const left: PresenceEntry[] = [];
    for (const [key, { entry, wasOnline }] of changed) {
      const now = this.devices.get(key);
      if (now && !wasOnline) joined.push(now.entry);
      else if (!now && wasOnline) left.push(entry);
    }
    if (joined.length === 0 && left.length === 0) return;
    const frame: PresenceFrame = { type: "presence", room: this.owner.name };
    if (joined.length > 0) frame.joined = joined;
    if (left.length > 0) frame.left = left;
    this.owner.announce(frame);
  }
}
