/**
 * Users a node knows only from other nodes' events: it keeps them compactly (the projection's one
 * map of users to rooms; the presence tracker's map, read by room actors rather than copied), and
 * must still decide and describe everything about them exactly as a node that served them would.
 */
import { afterEach, expect, test } from "bun:test";
import type { PresenceFrame, ServerFrame, WelcomeFrame } from "../protocol/index.ts";
import { createMemoryEngine, MemoryEngineStorage } from "../store/engine/memory-engine.ts";
import { createMemoryLog } from "../store/memory-log.ts";
import { silentLogger } from "../observability/log.ts";
import { TestClient, settle, testHub, type TestHub } from "../server/testing/hub-harness.ts";
import { MemoryPresenceNetwork } from "./memory-presence-bus.ts";
import { startClusterNode, type ClusterNode } from "./node.ts";

const running: { th: TestHub; node: ClusterNode }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) { await r.node.stop(); r.th.hub.shutdown(1001, "end"); }
});

async function twoNodes(): Promise<{ a: TestHub; b: TestHub }> {
  const storage = new MemoryEngineStorage();
  const net = new MemoryPresenceNetwork();
  const node = (name: string): TestHub => {
    const th = testHub({ log: createMemoryLog() });
    const n = startClusterNode(th.hub, createMemoryEngine(storage), silentLogger, {
      commitMaxEvents: 100, node: name, presenceBus: net.bus(), presenceTimeoutMs: 60_000, storeTimeoutMs: 60_000,
      onDiverged: (why) => { throw new Error(why); },
      onCommitPathFailed: (why) => { throw new Error(why); },
    });
    running.push({ th, node: n });
    starting.push(n.presence.start());
    return th;
  };
  const starting: Promise<void>[] = [];
  const nodes = { a: node("a"), b: node("b") };
  await Promise.all(starting);
  return nodes;
}

async function until<T>(what: string, f: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function connected(th: TestHub, user: string, device = "d1"): Promise<TestClient> {
  const c = new TestClient(th);
  c.hello(user, device);
  await until(`${user} synced`, () => c.frames.some((f) => f.type === "synced"));
  return c;
}

const answer = (c: TestClient, id: string) => until(`a reply to ${id}`, () => c.frames.find((f): f is ServerFrame & { id: string } => "id" in f && f.id === id));
const rooms = (w: WelcomeFrame) => w.streams.filter((s) => s.kind === "room").map((s) => s.name);

test("a user known here only from another node's events gets their rooms, in join order, when they first connect here; the room cap counts them", async () => {
  const { a, b } = await twoNodes();
  b.config.maxRoomsPerUser = 3;
  const ann = await connected(a, "ann");
  for (const r of ["kilo", "alfa", "mike"]) {
    ann.send({ type: "join", id: `j-${r}`, room: r });
    expect((await answer(ann, `j-${r}`)).type).toBe("ack");
  }
  ann.send({ type: "leave", id: "l", room: "alfa" });
  expect((await answer(ann, "l")).type).toBe("ack");
  ann.drop();
  // B folded all of it from A's events: ann was never anything but a remote user there.
  await until("B applied the leave", () => b.hub.projection.pos >= a.hub.projection.pos && b.hub.projection.pos > 0);

  const there = await connected(b, "ann", "d2");
  const welcome = there.frames.find((f): f is WelcomeFrame => f.type === "welcome")!;
  expect(rooms(welcome)).toEqual(["kilo", "mike"]);
  there.send({ type: "join", id: "j3", room: "alfa" });
  expect((await answer(there, "j3")).type).toBe("ack");
  there.send({ type: "join", id: "j4", room: "zulu" });
  expect(await answer(there, "j4")).toMatchObject({ type: "error", code: "too_many_rooms" });
});

test("a DM and an invite to a user who signed in only on another node work here", async () => {
  const { a, b } = await twoNodes();
  const bob = await connected(a, "bob");
  const cat = await connected(b, "cat");
  await until("B knows bob", () => b.hub.projection.users.has("bob"));

  cat.send({ type: "send", id: "dm", to: { user: "bob" }, cmid: "c1", text: "hi bob" });
  expect((await answer(cat, "dm")).type).toBe("ack");
  await until("bob got the DM", () => bob.frames.some((f) => f.type === "event" && f.stream === "dm:bob:cat"));

  cat.send({ type: "join", id: "mk", room: "den", private: true });
  expect((await answer(cat, "mk")).type).toBe("ack");
  cat.send({ type: "invite", id: "inv", room: "den", user: "bob" });
  expect((await answer(cat, "inv")).type).toBe("ack");
  bob.send({ type: "join", id: "jb", room: "den" });
  expect((await answer(bob, "jb")).type).toBe("ack");
});

test("a room here shows another node's devices from the tracker's own map: online in the list, then joined and left as they come and go", async () => {
  const { a, b } = await twoNodes();
  const dan = await connected(b, "dan");
  dan.send({ type: "join", id: "j", room: "hall" });
  expect((await answer(dan, "j")).type).toBe("ack");

  const eve = await connected(a, "eve");
  eve.send({ type: "join", id: "j", room: "hall" });
  expect((await answer(eve, "j")).type).toBe("ack");
  const presence = () => dan.frames.filter((f): f is PresenceFrame => f.type === "presence" && f.id === undefined);
  await until("dan hears eve come online", () => presence().some((f) => f.joined?.some((e) => e.user === "eve")));
  dan.send({ type: "who", id: "w1", room: "hall" });
  const who = (await answer(dan, "w1")) as PresenceFrame;
  expect(who.online!.map((e) => `${e.user}/${e.device}/${e.client}`).sort()).toEqual(["dan/d1/cli", "eve/d1/cli"]);
  // The holder record rides on the tracker's entry but is never part of a frame.
  expect(Object.keys(who.online!.find((e) => e.user === "eve")!)).toEqual(["user", "device", "client"]);

  // A device of dan's that starts following now is sent the list with eve in it, once.
  const dan2 = await connected(b, "dan", "d2");
  const first = await until("dan2's list", () => dan2.frames.find((f): f is PresenceFrame => f.type === "presence" && f.room === "hall"));
  expect(first.online!.filter((e) => e.user === "eve")).toHaveLength(1);

  eve.drop();
  await until("dan hears eve go", () => presence().some((f) => f.left?.some((e) => e.user === "eve")));
  await settle();
  dan.send({ type: "who", id: "w2", room: "hall" });
  expect(((await answer(dan, "w2")) as PresenceFrame).online!.map((e) => e.user).sort()).toEqual(["dan", "dan"]);
});
