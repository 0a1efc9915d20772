import { expect, test } from "bun:test";
import { guardClientFrame } from "./guards.ts";

test("the guard refuses a cmid that is not well-formed UTF-16 (a lone surrogate)", () => {
  for (const frame of [
    { type: "send", to: { room: "a" }, cmid: "c\ud800", text: "t" },
    { type: "edit", stream: "room:a", seq: 1, cmid: "\udc00", text: "t" },
    { type: "delete", stream: "room:a", seq: 1, cmid: "x\ud83d" },
  ]) expect(guardClientFrame(frame)).toMatchObject({ ok: false, code: "invalid_field" });
  expect(guardClientFrame({ type: "send", to: { room: "a" }, cmid: "c\ud83d\ude00", text: "t" }).ok).toBe(true); // a real pair is fine
});
