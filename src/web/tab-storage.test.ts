import { expect, test } from "bun:test";
import type { OutboxItem } from "../client/index.ts";
import { tabStorage } from "./tab-storage.ts";
import { fakeStorage } from "./fake-storage.ts";

const item = (cmid: string, status: OutboxItem["status"] = "pending"): OutboxItem => ({ cmid, to: { room: "a" }, text: cmid, createdAt: 1, status });

test("two tabs keep separate outboxes: one saving never erases the other's unsent messages", () => {
  const local = fakeStorage();
  const a = tabStorage({ base: "hubbub:ann@h", tab: "A", local });
  const b = tabStorage({ base: "hubbub:ann@h", tab: "B", local });
  a.save({ cursors: { "room:a": 3 }, outbox: [item("from-a")] });
  b.save({ cursors: {}, outbox: [] });
  expect(a.load()?.outbox.map((i) => i.cmid)).toEqual(["from-a"]);
});

test("a new tab adopts the unsent messages of its siblings, and forgets closed tabs once adopted", () => {
  const local = fakeStorage();
  let now = 0;
  tabStorage({ base: "hubbub:ann@h", tab: "closed", local, now: () => now }).save({ cursors: {}, outbox: [item("c1"), item("c2")] });
  now = 30_000;
  tabStorage({ base: "hubbub:ann@h", tab: "open", local, now: () => now }).save({ cursors: {}, outbox: [item("o1")] });
  tabStorage({ base: "hubbub:bob@h", tab: "other-user", local, now: () => now }).save({ cursors: {}, outbox: [item("b1")] });
  now = 70_000;
  const fresh = tabStorage({ base: "hubbub:ann@h", tab: "new", local, now: () => now }).load();
  expect(fresh?.outbox.map((i) => i.cmid).sort()).toEqual(["c1", "c2", "o1"]);
  expect(local.getItem("hubbub:ann@h#closed")).toBeNull(); // silent for 70 s: closed, adopted, removed
  expect(local.getItem("hubbub:ann@h#open")).not.toBeNull(); // still open: it keeps its own
  expect(local.getItem("hubbub:bob@h#other-user")).not.toBeNull();
});

test("a page load starts without cursors (fresh start) but keeps its epoch and device", () => {
  const local = fakeStorage();
  const s = tabStorage({ base: "k", tab: "t", local });
  s.save({ epoch: "e1", device: "web-1", cursors: { "room:a": 9 }, outbox: [] });
  expect(s.load()).toEqual({ epoch: "e1", device: "web-1", cursors: {}, outbox: [] });
});
