import { expect, test } from "bun:test";
import { roomStream, userStream } from "../protocol/index.ts";
import type { AppendRequest } from "../store/event-log.ts";
import type { AppendResult } from "../store/engine/engine.ts";
import { connected, settle, testHub } from "../server/testing/hub-harness.ts";
import { AppendError } from "../actors/journal.ts";
import { answerRejection } from "./node.ts";
import { guarded } from "./guards.ts";

/** What a command refused by the engine's guard (the node was stale) is answered: the room actor's code. */
test("an engine refusal of a room command answers with the code the room actor would have given", () => {
  const { hub } = testHub();
  const rs = roomStream("s");
  const refusal = (requests: AppendRequest[], scope: string, code: "fact_missing" | "fact_present") => {
    const results: AppendResult[] = requests.map(() => ({ status: "rejected", code, fact: { scope, key: "x" } }));
    const r = answerRejection(hub, requests, results);
    return r instanceof AppendError ? r.code : "ack";
  };
  const join = (body: Record<string, string>): AppendRequest[] => [
    { stream: rs, kind: "joined", author: "bob", body, at: 1 }, { stream: userStream("bob"), kind: "room_joined", author: "bob", body: { room: "s" }, at: 1 },
  ];
  // The facts a guard names are the ones the engine would report.
  const fact = (r: AppendRequest, which: "require" | "forbid", i = 0) => guarded(r).guard![which]![i]!.scope;
  expect(refusal(join({}), fact(join({})[0]!, "forbid", 2), "fact_present")).toBe("not_invited"); // private
  expect(refusal(join({}), fact(join({})[0]!, "forbid", 1), "fact_present")).toBe("banned");
  expect(refusal(join({ via: "invite" }), fact(join({ via: "invite" })[0]!, "require"), "fact_missing")).toBe("not_invited");
  expect(refusal(join({ create: "private" }), "created", "fact_present")).toBe("room_exists");
  // (The room actor turns a public room's lost creation into a plain join: RoomActor.join.)
  expect(refusal(join({ create: "public" }), "created", "fact_present")).toBe("room_exists");
  const kick: AppendRequest = { stream: rs, kind: "kicked", author: "ann", body: { user: "bob" }, at: 1 };
  expect(refusal([kick], fact(kick, "require", 1), "fact_missing")).toBe("forbidden");
  expect(refusal([kick], fact(kick, "forbid"), "fact_present")).toBe("forbidden");
  expect(refusal([kick], fact(kick, "require", 2), "fact_missing")).toBe("not_member");
});

test("a moderation command another node already carried out is a repeat (duplicate ack), not an error", async () => {
  const th = testHub();
  const ann = await connected(th, "ann");
  ann.send({ type: "join", room: "s", private: true });
  await settle();
  const rs = roomStream("s");
  const rejected = (r: AppendRequest, which: "require" | "forbid", i: number, code: "fact_missing" | "fact_present") =>
    answerRejection(th.hub, [r], [{ status: "rejected", code, fact: guarded(r).guard![which]![i]! }]);
  const ban: AppendRequest = { stream: rs, kind: "banned", author: "ann", body: { user: "bob" }, at: 1 };
  expect(rejected(ban, "forbid", 1, "fact_present")).toMatchObject([{ duplicate: true, event: { stream: rs, seq: 1 } }]);
  const unban: AppendRequest = { stream: rs, kind: "unbanned", author: "ann", body: { user: "bob" }, at: 1 };
  expect(rejected(unban, "require", 2, "fact_missing")).toMatchObject([{ duplicate: true }]);
  const uninvite: AppendRequest = { stream: rs, kind: "uninvited", author: "ann", body: { user: "bob" }, at: 1 };
  expect(rejected(uninvite, "require", 2, "fact_missing")).toMatchObject([{ duplicate: true }]); // withdrawn meanwhile
  const invite: AppendRequest = { stream: rs, kind: "invited", author: "ann", body: { user: "bob" }, at: 1 };
  expect(rejected(invite, "forbid", 1, "fact_present")).toMatchObject([{ duplicate: true }]);
  // The author's own rights come first: losing them is an error, never a repeat.
  expect(rejected(unban, "require", 1, "fact_missing")).toBeInstanceOf(AppendError);
  expect(rejected(invite, "forbid", 0, "fact_present")).toMatchObject({ code: "banned" });
});
