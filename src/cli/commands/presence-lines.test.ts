import { expect, test } from "bun:test";
import type { PresenceEntry, PresenceFrame } from "../../protocol/index.ts";
import { PresenceLines } from "./presence-lines.ts";

const e = (user: string, device = `${user}-1`): PresenceEntry => ({ user, device, client: "cli" });
const frame = (room: string, f: Partial<PresenceFrame>): PresenceFrame => ({ type: "presence", room, ...f });

function harness() {
  const lines: string[] = [];
  let timer: (() => void) | undefined;
  const p = new PresenceLines({ me: () => "amy", say: (t) => lines.push(t), setTimer: (fn) => { timer = fn; } });
  const tick = () => { const t = timer; timer = undefined; t?.(); };
  return { p, lines, tick, scheduled: () => timer !== undefined };
}

test("the lists for several rooms on start become one line of people, without me", () => {
  const { p, lines, tick } = harness();
  p.update(frame("a", { online: [e("amy"), e("bob"), e("alice")] }));
  p.update(frame("b", { online: [e("amy"), e("bob"), e("bob", "bob-phone"), e("carl")] }));
  tick();
  expect(lines).toEqual(["alice, bob, carl are online"]);
});

test("a person's second device, or a room more, says nothing; the last device going says offline once", () => {
  const { p, lines, tick } = harness();
  p.update(frame("a", { online: [e("bob")] }));
  p.update(frame("b", { online: [e("bob")] }));
  tick();
  p.update(frame("a", { joined: [e("bob", "bob-phone")] }));
  tick();
  p.update(frame("a", { left: [e("bob"), e("bob", "bob-phone")] }));
  tick();
  expect(lines).toEqual(["bob is online"]); // still online in room b
  p.update(frame("b", { left: [e("bob")] }));
  tick();
  expect(lines).toEqual(["bob is online", "bob went offline"]);
});

test("someone who comes and goes within the window is not shown; changes in one window are one line each way", () => {
  const { p, lines, tick, scheduled } = harness();
  p.update(frame("a", { online: [e("bob")] }));
  tick();
  p.update(frame("a", { joined: [e("zed")] }));
  p.update(frame("a", { joined: [e("yan")] }));
  p.update(frame("a", { left: [e("zed")] }));
  p.update(frame("a", { joined: [e("xia")] }));
  p.update(frame("a", { left: [e("bob")] }));
  tick();
  expect(lines).toEqual(["bob is online", "xia, yan are online", "bob went offline"]);
  expect(scheduled()).toBe(false);
});

test("leaving a room forgets its people without calling them offline; seeing them again says online again", () => {
  const { p, lines, tick } = harness();
  p.update(frame("a", { online: [e("bob"), e("cy")] }));
  p.update(frame("b", { online: [e("cy")] }));
  tick();
  p.forgetRoom("a");
  tick();
  p.update(frame("b", { left: [e("cy")] }));
  tick();
  p.update(frame("a", { online: [e("bob")] }));
  tick();
  expect(lines).toEqual(["bob, cy are online", "cy went offline", "bob is online"]);
});

test("nothing is said once closed", () => {
  const { p, lines, tick } = harness();
  p.update(frame("a", { online: [e("bob")] }));
  p.close();
  tick();
  expect(lines).toEqual([]);
});
