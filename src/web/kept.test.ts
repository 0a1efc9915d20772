import { expect, test } from "bun:test";
import { keptIn } from "./kept.ts";
import { fakeStorage } from "./fake-storage.ts";

test("drafts and refused messages survive a new page (a new Kept over the same storage)", () => {
  const local = fakeStorage();
  const a = keptIn("hubbub:ann@h", local);
  a.setDraft("room:a", "half a thought");
  a.addFailed({ cmid: "c1", to: { room: "a" }, text: "x".repeat(5000), createdAt: 1, status: "failed", error: { code: "too_large", message: "long" } });
  const b = keptIn("hubbub:ann@h", local);
  expect(b.draft("room:a")).toBe("half a thought");
  expect(b.failed().map((i) => i.cmid)).toEqual(["c1"]);
  b.removeFailed("c1");
  b.setDraft("room:a", "");
  expect(keptIn("hubbub:ann@h", local).failed()).toEqual([]);
  expect(local.length).toBe(1); // the empty failed list; the draft key is gone
});

test("corrupt storage reads as empty, never throws", () => {
  const local = fakeStorage();
  local.setItem("hubbub:ann@h:failed", "{not json");
  local.setItem("hubbub:ann@h:draft:room:a", "[1,2");
  const k = keptIn("hubbub:ann@h", local);
  expect(k.failed()).toEqual([]);
  expect(k.draft("room:a")).toBe("");
});
