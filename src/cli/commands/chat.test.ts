import { expect, test } from "bun:test";
import type { EventFrame } from "../../protocol/index.ts";
import { showMissed } from "./chat.ts";

const ev = (stream: string, seq: number): EventFrame =>
  ({ type: "event", stream, seq, pos: seq, at: 0, author: "bob", kind: "message", body: { text: `${stream}#${seq}` } });

test("missed events: the last few per stream, after a count of the rest", () => {
  const events = [ev("room:a", 1), ev("dm:amy:bob", 1), ev("room:a", 2), ev("room:a", 3), ev("room:a", 4)];
  const shown: string[] = [];
  const skipped: string[] = [];
  showMissed(events, 2, (e) => shown.push(`${e.stream}#${e.seq}`), (n, s) => skipped.push(`${n} in ${s}`));
  expect(skipped).toEqual(["2 in room:a"]);
  expect(shown).toEqual(["room:a#3", "room:a#4", "dm:amy:bob#1"]);
});

test("with no limit (--json) every missed event is shown", () => {
  const shown: number[] = [];
  showMissed([ev("room:a", 1), ev("room:a", 2)], Infinity, (e) => shown.push(e.seq), () => { throw new Error("nothing skipped"); });
  expect(shown).toEqual([1, 2]);
});
