/**
 * Model-based test of the connection state machine (fast-check commands): random transport
 * events, close codes, time passing, browser signals and user calls. After every step the
 * client must agree with a small model, and some things must never happen at all.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { closeAdvice } from "../protocol/index.ts";
import type { HubbubClient } from "./client.ts";
import { TRANSITIONS, type ConnectionState, type StateName } from "./state.ts";
import { clientHarness, welcome, type FakeServerSocket, type ManualClock } from "./testing.ts";

interface Real {
  c: HubbubClient;
  clock: ManualClock;
  sockets: FakeServerSocket[];
  seen: ConnectionState[];
}
/** Whether the client wants a connection (the only thing its future depends on, besides the socket). */
interface Model { wanted: boolean }

const socket = (r: Real) => r.sockets[r.sockets.length - 1];
const open = (r: Real) => socket(r)?.readyState === 0 && r.c.state.name === "connecting";

class Open implements fc.Command<Model, Real> {
  check = () => true;
  run(_m: Model, r: Real) {
    if (!open(r)) return;
    socket(r)!.open();
    expect(r.c.state.name).toBe("syncing");
  }
  toString = () => "open";
}
class Welcome implements fc.Command<Model, Real> {
  check = () => true;
  run(_m: Model, r: Real) {
    if (r.c.state.name !== "syncing") return;
    socket(r)!.push(welcome());
    socket(r)!.push({ type: "synced", id: "hello" });
    expect(r.c.state.name as StateName).toBe("live"); // narrowed to "syncing" above, but the pushes moved it
  }
  toString = () => "welcome+synced";
}
class ServerClose implements fc.Command<Model, Real> {
  constructor(readonly code: number) {}
  check = () => true;
  run(m: Model, r: Real) {
    const s = socket(r);
    if (!s || s.readyState === 3 || !["connecting", "syncing", "live"].includes(r.c.state.name)) return;
    s.serverClose(this.code, "test");
    if (closeAdvice(this.code) === "stop") {
      m.wanted = false;
      expect(r.c.state).toMatchObject({ name: "stopped", code: this.code });
    } else {
      const st = r.c.state as Extract<ConnectionState, { name: "reconnecting" }>;
      expect(st.name).toBe("reconnecting");
      const wait = st.nextAttemptAt - r.clock.now();
      if (closeAdvice(this.code) === "reconnect-now") expect(wait).toBe(0);
      else { expect(wait).toBeGreaterThanOrEqual(1000); expect(wait).toBeLessThanOrEqual(60_000); }
    }
  }
  toString = () => `serverClose(${this.code})`;
}
class Tick implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  run(m: Model, r: Real) {
    const before = r.sockets.length;
    r.clock.advance(this.ms);
    if (!m.wanted) expect(r.sockets.length).toBe(before);
  }
  toString = () => `tick(${this.ms})`;
}
class Signal implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, r: Real) {
    const before = r.sockets.length;
    const was = r.c.state.name;
    r.c.retryNow();
    expect(r.sockets.length).toBe(m.wanted && was === "reconnecting" ? before + 1 : before);
  }
  toString = () => "online";
}
class UserClose implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, r: Real) {
    r.c.close();
    m.wanted = false;
    expect(r.c.state.name).toBe("stopped");
    expect(r.sockets.every((s) => s.readyState === 3 || s.readyState === 0)).toBe(true);
  }
  toString = () => "close()";
}
class Connect implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, r: Real) {
    r.c.connect();
    m.wanted = true;
    expect(["connecting", "syncing", "live"]).toContain(r.c.state.name);
  }
  toString = () => "connect()";
}

const commands = [
  fc.constant(new Open()),
  fc.constant(new Welcome()),
  fc.constantFrom(1000, 1001, 1006, 1011, 4001, 4002, 4003, 4100, 4101, 4103, 4200, 4201).map((c) => new ServerClose(c)),
  fc.constantFrom(1, 999, 1000, 3000, 20_000, 61_000).map((ms) => new Tick(ms)),
  fc.constant(new Signal()),
  fc.constant(new UserClose()),
  fc.constant(new Connect()),
];

test("property: random transport events, time and calls keep the state machine legal and the client consistent", () => {
  fc.assert(fc.property(fc.commands(commands, { maxCommands: 60 }), (cmds) => {
    const h = clientHarness();
    const seen: ConnectionState[] = [];
    h.c.on("state", (s) => seen.push(s));
    const real: Real = { c: h.c, clock: h.clock, sockets: h.sockets, seen };
    h.c.connect();
    fc.modelRun(() => ({ model: { wanted: true }, real }), cmds);
    // Every transition was legal …
    let prev: StateName = "idle";
    for (const s of seen) {
      if (s.name !== prev && !TRANSITIONS[prev].includes(s.name)) throw new Error(`illegal ${prev} -> ${s.name}`);
      prev = s.name;
    }
    // … at most one socket is ever open at once, and it is the newest …
    const alive = h.sockets.filter((s) => s.readyState !== 3);
    expect(alive.length).toBeLessThanOrEqual(1);
    if (alive[0]) expect(alive[0]).toBe(h.sockets[h.sockets.length - 1]!);
    // … and the state announced last is the state the client is in.
    expect(seen[seen.length - 1] ?? { name: "idle" }).toEqual(h.c.state);
    h.c.close();
  }), { numRuns: 300 });
});
