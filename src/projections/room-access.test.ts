import { expect, test } from "bun:test";
import type { EventData } from "../protocol/index.ts";
import { foldAccess, joinRule, mayDiscover, type RoomAccess } from "./room-access.ts";

let seq = 0;
const e = (kind: EventData["kind"], author: string, body: EventData["body"] = {}): EventData =>
  ({ stream: "room:r", seq: ++seq, pos: seq, kind, author, body, at: 1 });

test("an uninvite withdraws an open invite: the room is hidden and closed again; one of nobody changes nothing", () => {
  seq = 0;
  let a: RoomAccess | undefined;
  for (const x of [e("joined", "ann", { create: "private" }), e("invited", "ann", { user: "bob" }), e("invited", "ann", { user: "cy" })]) a = foldAccess(a, x);
  expect([mayDiscover(a, "bob"), joinRule(a!, "bob")]).toEqual([true, { ok: true, via: "invite" }]);
  a = foldAccess(a, e("uninvited", "ann", { user: "bob" }));
  expect([mayDiscover(a, "bob"), joinRule(a!, "bob")]).toEqual([false, { ok: false, why: "not_invited" }]);
  a = foldAccess(a, e("uninvited", "ann", { user: "zed" }));
  expect([...a!.invited]).toEqual(["cy"]);
});
