/**
 * Projection snapshots, so start-up replays only the tail of the log.
 * A snapshot is the projection serialized as of a pos; bump VERSION whenever `apply` changes
 * meaning, and old snapshots are ignored (the log is replayed in full instead).
 */
import type { EventLog } from "../store/event-log.ts";
import type { RoomVisibility } from "../protocol/index.ts";
import { type Projection, addRoom, apply, emptyProjection } from "./projection.ts";

export const SNAPSHOT_NAME = "projection";
/** 5: rooms' access (visibility, owner, moderators, invites, bans); 6: unread mentions. An older snapshot is rebuilt from the log. */
export const SNAPSHOT_VERSION = 6;

interface Serialized {
  rooms: [string, [string, number][]][];
  userDms: [string, string[]][];
  reads: [string, [string, number][]][];
  users: string[];
  topics: [string, string][];
  access: [string, { visibility: RoomVisibility; owner: string; moderators: string[]; invited: string[]; banned: string[] }][];
  changes: [string, [number, string | null][]][];
  mentions: [string, [string, number[]][]][];
}

export function serialize(p: Projection): string {
  const s: Serialized = {
    rooms: [...p.rooms].map(([r, m]) => [r, [...m]]),
    userDms: [...p.userDms].map(([u, d]) => [u, [...d]]),
    reads: [...p.reads].map(([u, m]) => [u, [...m]]),
    users: [...p.users.keys()],
    topics: [...p.topics],
    access: [...p.access].map(([r, a]) => [r, { visibility: a.visibility, owner: a.owner, moderators: [...a.moderators], invited: [...a.invited], banned: [...a.banned] }]),
    changes: [...p.changes].map(([s, m]) => [s, [...m]]),
    mentions: [...p.mentions].map(([s, m]) => [s, [...m]]),
  };
  return JSON.stringify(s);
}

export function deserialize(data: string, pos: number): Projection {
  const s = JSON.parse(data) as Serialized;
  const p = emptyProjection();
  p.pos = pos;
  for (const u of s.users) p.users.set(u, null);
  for (const [room, members] of s.rooms) {
    p.rooms.set(room, new Map(members));
    for (const [user] of members) addRoom(p, user, room);
  }
  for (const [u, d] of s.userDms) p.userDms.set(u, new Set(d));
  for (const [u, m] of s.reads) p.reads.set(u, new Map(m));
  p.topics = new Map(s.topics);
  for (const [room, a] of s.access) {
    p.access.set(room, { visibility: a.visibility, owner: a.owner, moderators: new Set(a.moderators), invited: new Set(a.invited), banned: new Set(a.banned) });
  }
  for (const [stream, m] of s.changes) p.changes.set(stream, new Map(m));
  for (const [stream, m] of s.mentions) p.mentions.set(stream, new Map(m));
  return p;
}

export interface RebuildReport { fromSnapshot: boolean; snapshotPos: number; replayed: number; ms: number }

/** Loads the newest usable snapshot, then replays every event after it. */
export function rebuild(log: EventLog, pageSize = 10_000): { projection: Projection; report: RebuildReport } {
  const t0 = performance.now();
  const snap = log.loadSnapshot(SNAPSHOT_NAME);
  const usable = snap !== undefined && snap.version === SNAPSHOT_VERSION && snap.pos <= log.lastPos();
  const projection = usable ? deserialize(snap.data, snap.pos) : emptyProjection();
  let replayed = 0;
  for (;;) {
    const page = log.readAll(projection.pos, pageSize);
    for (const e of page) apply(projection, e);
    replayed += page.length;
    if (page.length < pageSize) break;
  }
  return {
    projection,
    report: { fromSnapshot: usable, snapshotPos: usable ? snap.pos : 0, replayed, ms: performance.now() - t0 },
  };
}

export function saveSnapshot(log: EventLog, p: Projection): void {
  log.saveSnapshot(SNAPSHOT_NAME, { pos: p.pos, version: SNAPSHOT_VERSION, data: serialize(p) });
}
