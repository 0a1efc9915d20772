/**
 * Delivery groups: which topic carries which stream's events.
 * A room stream has its own topic. A user's private stream and all of the user's DM streams
 * travel on the user's topic, so a brand-new DM reaches every device of both users with no
 * subscription change. The broadcast stream has its own topic that everyone follows.
 */
import { BROADCAST_STREAM, type ParsedStream } from "../protocol/index.ts";

export const userGroup = (user: string): string => `user:${user}`;
export const roomGroup = (room: string): string => `room:${room}`;
export const BROADCAST_GROUP = BROADCAST_STREAM;

/** The groups an event of a (parsed) stream is published to. */
export function groupsOf(s: ParsedStream): string[] {
  switch (s.kind) {
    case "room": return [roomGroup(s.room)];
    case "dm": return [userGroup(s.users[0]), userGroup(s.users[1])];
    case "user": return [userGroup(s.user)];
    case "broadcast": return [BROADCAST_GROUP];
  }
}
