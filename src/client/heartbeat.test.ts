import { expect, test } from "bun:test";
import { Heartbeat } from "./heartbeat.ts";
import { ManualClock } from "./testing.ts";

function beat(o: { ping?: boolean } = {}) {
  const clock = new ManualClock();
  let pings = 0;
  let dead = 0;
  const hb = new Heartbeat(clock, { intervalMs: 100, ping: o.ping === false ? undefined : () => pings++, onDead: () => dead++ });
  return { clock, hb, pings: () => pings, dead: () => dead };
}

test("pings once per interval", () => {
  const b = beat();
  b.clock.advance(99);
  expect(b.pings()).toBe(0);
  b.clock.advance(1);
  expect(b.pings()).toBe(1);
  b.hb.touch();
  b.clock.advance(250);
  expect(b.pings()).toBe(3);
});

test("dead after exactly three silent intervals, and only once", () => {
  const b = beat();
  b.clock.advance(299);
  expect(b.dead()).toBe(0);
  b.clock.advance(1);
  expect(b.dead()).toBe(1);
  b.clock.advance(10_000);
  expect(b.dead()).toBe(1);
  expect(b.pings()).toBe(2); // pinging stops with the connection
});

test("traffic pushes the deadline: three intervals from the last frame received", () => {
  const b = beat();
  for (let i = 0; i < 10; i++) { b.clock.advance(250); b.hb.touch(); }
  expect(b.dead()).toBe(0);
  b.clock.advance(299);
  expect(b.dead()).toBe(0);
  b.clock.advance(1);
  expect(b.dead()).toBe(1);
});

test("stop() cancels both the pings and the verdict; without ping it only watches", () => {
  const b = beat();
  b.hb.stop();
  b.clock.advance(1000);
  expect([b.pings(), b.dead()]).toEqual([0, 0]);
  const w = beat({ ping: false });
  w.clock.advance(300);
  expect([w.pings(), w.dead()]).toEqual([0, 1]);
});

test("with pingWhenSilentMs, traffic keeps pings away and silence brings one", () => {
  const clock = new ManualClock();
  let pings = 0;
  const hb = new Heartbeat(clock, { intervalMs: 100, pingWhenSilentMs: 150, deadAfter: 2, ping: () => pings++, onDead: () => {} });
  for (let i = 0; i < 10; i++) { clock.advance(100); hb.touch(); } // a server heartbeat every interval
  expect(pings).toBe(0);
  clock.advance(149);
  expect(pings).toBe(0);
  clock.advance(1);
  expect(pings).toBe(1);
  hb.touch(); // answered
  clock.advance(149);
  expect(pings).toBe(1);
  clock.advance(1);
  expect(pings).toBe(2);
  hb.stop();
});
