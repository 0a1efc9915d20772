import { afterAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { roomStream, userStream } from "../protocol/index.ts";
import type { AppendRequest } from "../store/event-log.ts";
import { createMemoryEngine, MemoryEngineStorage } from "../store/engine/memory-engine.ts";
import type { Engine, StoredEvent } from "../store/engine/engine.ts";
import { guardedCommand } from "./guards.ts";
import { createPgSchema, type PgTestSchema } from "../store/engine/testing/pg.ts";

const at = 1;
const join = (user: string, room: string): AppendRequest[] => [
  { stream: roomStream(room), kind: "joined", author: user, body: {}, at },
  { stream: userStream(user), kind: "room_joined", author: user, body: { room }, at },
];
const leave = (user: string, room: string): AppendRequest[] => [
  { stream: roomStream(room), kind: "left", author: user, body: {}, at },
  { stream: userStream(user), kind: "room_left", author: user, body: { room }, at },
];
const send = (user: string, room: string, cmid: string): AppendRequest[] =>
  [{ stream: roomStream(room), kind: "message", author: user, body: { text: "x" }, cmid, at }];

const appendVia = (e: Engine, reqs: AppendRequest[]) => e.append(guardedCommand(reqs));

/** Every event of the log, in pos order. */
async function all(e: Engine): Promise<StoredEvent[]> { return e.readAfter(0, 100_000); }

describe("membership guards (two nodes on one engine)", () => {
  test("the same join made on two nodes at once is appended once, with its user-stream twin once", async () => {
    const storage = new MemoryEngineStorage();
    const [a, b] = [createMemoryEngine(storage), createMemoryEngine(storage)];
    const [ra, rb] = await Promise.all([appendVia(a, join("ann", "r")), appendVia(b, join("ann", "r"))]);
    const statuses = [...ra!, ...rb!].map((r) => r.status).sort();
    expect(statuses).toEqual(["appended", "appended", "rejected", "rejected"]);
    expect((await all(a)).map((e) => e.kind)).toEqual(["joined", "room_joined"]);
  });

  test("a non-member's send and leave are rejected; after a leave (on another node) a send is too", async () => {
    const storage = new MemoryEngineStorage();
    const [a, b] = [createMemoryEngine(storage), createMemoryEngine(storage)];
    expect((await appendVia(a, send("bo", "r", "c1")))[0]!.status).toBe("rejected");
    expect((await appendVia(a, leave("bo", "r"))).map((r) => r.status)).toEqual(["rejected", "rejected"]);
    await appendVia(a, join("bo", "r"));
    expect((await appendVia(b, send("bo", "r", "c2")))[0]!.status).toBe("appended");
    await appendVia(b, leave("bo", "r"));
    expect((await appendVia(a, send("bo", "r", "c3")))[0]).toMatchObject({ status: "rejected", code: "fact_missing" });
    // A retry of a send accepted while a member is answered with the original, even after leaving.
    expect((await appendVia(a, send("bo", "r", "c2")))[0]!.status).toBe("duplicate");
  });

  test("property: commands from several nodes, concurrently, never produce a log that breaks membership", async () => {
    const users = ["u1", "u2"], rooms = ["r1", "r2"];
    const command = fc.record({
      node: fc.integer({ min: 0, max: 2 }),
      op: fc.constantFrom("join", "leave", "send"),
      user: fc.constantFrom(...users),
      room: fc.constantFrom(...rooms),
    });
    await fc.assert(fc.asyncProperty(fc.array(fc.array(command, { maxLength: 6 }), { minLength: 1, maxLength: 6 }), async (rounds) => {
      const storage = new MemoryEngineStorage();
      const engines = [0, 1, 2].map(() => createMemoryEngine(storage));
      let cmid = 0;
      for (const round of rounds) {
        // One round: every node commits its share as one batch, all at once.
        const perNode = engines.map((_, n) => round.filter((c) => c.node === n).flatMap((c) =>
          c.op === "join" ? join(c.user, c.room) : c.op === "leave" ? leave(c.user, c.room) : send(c.user, c.room, `m${cmid++}`)));
        await Promise.all(engines.map((e, n) => appendVia(e, perNode[n]!)));
      }
      // Fold the log: every event must be allowed by the membership the log itself shows.
      const members = new Set<string>();
      const pendingTwin: string[] = [];
      for (const e of await all(engines[0]!)) {
        const key = `${e.stream}|${e.author}`;
        switch (e.kind) {
          case "joined": expect(members.has(key)).toBe(false); members.add(key); pendingTwin.push(`room_joined|${e.author}|${e.stream}`); break;
          case "left": expect(members.has(key)).toBe(true); members.delete(key); pendingTwin.push(`room_left|${e.author}|${e.stream}`); break;
          case "message": expect(members.has(key)).toBe(true); break;
          case "room_joined": case "room_left":
            // The twin comes right after its room event, and never without it.
            expect(pendingTwin.pop()).toBe(`${e.kind}|${e.author}|${roomStream(String(e.body.room))}`);
            break;
          default: throw new Error(`unexpected ${e.kind}`);
        }
      }
      expect(pendingTwin).toEqual([]);
    }), { numRuns: 60 });
  });
});

describe("one-shot twin tokens never outlive their command", () => {
  const schemas: PgTestSchema[] = [];
  afterAll(async () => { for (const s of schemas.splice(0)) await s.dispose(); });
  const engines: [string, () => Promise<Engine>][] = [
    ["memory engine", async () => createMemoryEngine(new MemoryEngineStorage())],
    ["PostgreSQL engine", async () => { const s = await createPgSchema(); schemas.push(s); return s.open(); }],
  ];
  for (const [name, open] of engines) {
    test(`${name}: after a ban of a user who was never a member, a stale node's kick of them is refused whole (no room_left without its kick)`, async () => {
      const e = await open();
      const rs = roomStream("r");
      const create: AppendRequest[] = [
        { stream: rs, kind: "joined", author: "olga", body: { create: "public" }, at },
        { stream: userStream("olga"), kind: "room_joined", author: "olga", body: { room: "r" }, at },
      ];
      expect((await appendVia(e, create)).map((r) => r.status)).toEqual(["appended", "appended"]);
      // The room actor bans a non-member with the room event alone: there is no twin to write.
      expect((await appendVia(e, [{ stream: rs, kind: "banned", author: "olga", body: { user: "max" }, at }]))[0]!.status).toBe("appended");
      // A node that wrongly believes max is a member kicks him: the kick and its twin, together.
      const kick = await appendVia(e, [
        { stream: rs, kind: "kicked", author: "olga", body: { user: "max" }, at },
        { stream: userStream("max"), kind: "room_left", author: "olga", body: { room: "r", reason: "kicked" }, at },
      ]);
      expect(kick.map((r) => r.status)).toEqual(["rejected", "rejected"]); // the twin was accepted alone before
      expect((await all(e)).filter((x) => x.stream === userStream("max"))).toEqual([]);
    });
  }
});

test("nobody makes the owner a moderator, not even the owner after leaving and coming back by a plain join (a stale node's; the room actor refuses it as well)", async () => {
  const e = createMemoryEngine(new MemoryEngineStorage());
  const rs = roomStream("r");
  await appendVia(e, [{ stream: rs, kind: "joined", author: "u1", body: { create: "public" }, at }, { stream: userStream("u1"), kind: "room_joined", author: "u1", body: { room: "r" }, at }]);
  await appendVia(e, leave("u1", "r"));
  await appendVia(e, join("u1", "r"));
  const [r] = await appendVia(e, [{ stream: rs, kind: "role", author: "u1", body: { user: "u1", role: "moderator" }, at }]);
  expect(r!.status).toBe("rejected");
  expect((await all(e)).some((x) => x.kind === "role")).toBe(false);
});
