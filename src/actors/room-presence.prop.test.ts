/**
 * Property: whoever follows a room — from whichever moment it started, with the list it was sent
 * then (as last announced) and every end-of-turn frame since — sees exactly who is online at the
 * end of every turn. Random connections coming and going (several sockets per device, grace
 * periods expiring), other nodes' presence changing (cluster mode), turns ending at random.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { codecFor, type PresenceEntry, type PresenceFrame, type ServerFrame } from "../protocol/index.ts";
import type { Conn, ConnectionMessage } from "./messages.ts";
import { RoomPresence, type PresenceLink } from "./room-presence.ts";
import type { SharedFrame } from "./shared-frame.ts";

const json = codecFor("json");
const key = (e: PresenceEntry) => `${e.user}/${e.device}`;

/** A following connection: its view of who is online, folded from what it was sent. */
class Follower implements Conn {
  readonly view = new Set<string>();
  constructor(readonly user: string, readonly device: string, readonly client = "web") {}
  fold(f: ServerFrame): void {
    if (f.type !== "presence") return;
    if (f.online) this.view.clear();
    for (const e of [...(f.online ?? []), ...(f.joined ?? [])]) this.view.add(key(e));
    for (const e of f.left ?? []) this.view.delete(key(e));
  }
  reply(f: ServerFrame): void { this.fold(f); }
  // Through the wire encoding, as a socket would get it (the bytes are shared by every follower).
  replyShared(f: SharedFrame): void { this.fold(json.decode(f.encode(json)) as PresenceFrame); }
  post(_m: ConnectionMessage): void {}
  canRead(): boolean { return true; }
  revokeRoom(): void {}
}

type Cmd =
  | { op: "on"; user: number; device: number }
  | { op: "off"; pick: number }
  | { op: "expire"; pick: number }
  | { op: "remote"; user: number; device: number; online: boolean }
  | { op: "turn" };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ op: fc.constant("on" as const), user: fc.nat(3), device: fc.nat(1) }),
  fc.record({ op: fc.constant("off" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("expire" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("remote" as const), user: fc.nat(3), device: fc.nat(1), online: fc.boolean() }),
  fc.record({ op: fc.constant("turn" as const) }),
);

test("a follower's view, from the list it was sent and the frames since, is who is online at every turn's end", () => {
  fc.assert(fc.property(fc.array(cmd, { maxLength: 60 }), fc.boolean(), fc.boolean(), (cmds, cluster, grace) => {
    const followers: Follower[] = [];
    const pendingExpiry: string[] = [];
    const remote = new Map<string, PresenceEntry>();
    // Live, as the tracker's is: the room reads it, and hears of each change as it is made.
    const link: PresenceLink = { remoteIn: () => remote, localChanged: () => {} };
    const presence = new RoomPresence({
      name: "r",
      announce: (f) => { for (const c of followers) c.fold(f); },
      expireLater: (k) => { pendingExpiry.push(k); return setTimeout(() => {}, 0); },
      graceMs: grace ? 1000 : 0,
      settled: () => {},
      ...(cluster ? { link } : {}),
    });
    const check = () => {
      const online = new Set(presence.online().map(key));
      for (const c of followers) expect([...c.view].sort()).toEqual([...online].sort());
    };
    for (const c of cmds) {
      switch (c.op) {
        case "on": {
          // A connection starts following: subscribed first, then announced (as the actors do).
          const f = new Follower(`u${c.user}`, `d${c.device}`);
          followers.push(f);
          presence.on(f);
          break;
        }
        case "off": {
          if (followers.length === 0) break;
          const [f] = followers.splice(c.pick % followers.length, 1);
          presence.off(f!);
          break;
        }
        case "expire": {
          if (pendingExpiry.length === 0) break;
          const [k] = pendingExpiry.splice(c.pick % pendingExpiry.length, 1);
          presence.expire(k!);
          break;
        }
        case "remote": {
          if (!cluster) break;
          const entry = { user: `u${c.user}`, device: `d${c.device}`, client: "cli" };
          const before = remote.get(key(entry));
          if (c.online) remote.set(key(entry), entry);
          else remote.delete(key(entry));
          if (before !== remote.get(key(entry))) presence.remoteChanged(key(entry), { before, after: remote.get(key(entry)) });
          break;
        }
        case "turn":
          presence.flush();
          check();
          break;
      }
    }
    presence.flush();
    check();
  }), { numRuns: 500 });
});
