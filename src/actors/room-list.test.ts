import { expect, test } from "bun:test";
import type { RoomListFrame } from "../protocol/index.ts";
import { ROOM_LIST_MAX } from "./connection.ts";
import { connected, settle, testHub } from "../server/testing/hub-harness.ts";

test("a rooms request reads only the rooms it answers with, however many rooms the server has", async () => {
  const th = testHub();
  const ann = await connected(th, "ann");
  const rooms = th.hub.projection.rooms;
  for (let i = 0; i < 20 * ROOM_LIST_MAX; i++) rooms.set(`r${i}`, new Map([["bob", i + 1]]));
  // Count what the answer reads of the room table (a copy of the whole table would read all 20,000).
  let read = 0;
  const entries = Map.prototype.entries;
  Object.defineProperty(rooms, Symbol.iterator, {
    configurable: true,
    value: function* () { for (const e of entries.call(rooms)) { read++; yield e; } },
  });
  ann.send({ type: "rooms", id: "r" });
  await settle();
  const list = ann.socket.reply("r") as RoomListFrame;
  expect(list.rooms).toHaveLength(ROOM_LIST_MAX);
  expect(list.rooms[0]).toEqual({ room: "r0", members: 1, head: 0, member: false });
  expect(read).toBeLessThanOrEqual(ROOM_LIST_MAX + 1);
});
