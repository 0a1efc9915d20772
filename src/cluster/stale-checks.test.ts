/**
 * A command that depends on something done on another node an instant ago: the node's replica
 * may not have it yet. Node B here hears of commits only from its tailer's poll (its engine's
 * watch never fires), so it is reliably behind for a moment after node A's commit.
 */
import { afterEach, expect, test } from "bun:test";
import { createMemoryEngine, MemoryEngineStorage } from "../store/engine/memory-engine.ts";
import type { Engine } from "../store/engine/engine.ts";
import { createMemoryLog } from "../store/memory-log.ts";
import { silentLogger } from "../observability/log.ts";
import { TestClient, settle, testHub, type TestHub } from "../server/testing/hub-harness.ts";
import { MemoryPresenceNetwork } from "./memory-presence-bus.ts";
import { startClusterNode, type ClusterNode } from "./node.ts";

const running: { th: TestHub; node: ClusterNode }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) { await r.node.stop(); r.th.hub.shutdown(1001, "end"); }
});

function node(name: string, engine: Engine, net: MemoryPresenceNetwork): TestHub {
  const th = testHub({ log: createMemoryLog() });
  const n = startClusterNode(th.hub, engine, silentLogger, {
    commitMaxEvents: 100, node: name, presenceBus: net.bus(), presenceTimeoutMs: 60_000, storeTimeoutMs: 60_000,
    onDiverged: (why) => { throw new Error(why); },
    onCommitPathFailed: (why) => { throw new Error(why); },
  });
  running.push({ th, node: n });
  return th;
}

/** Node A, and node B on the same store whose engine's watch never fires (it hears of A's commits only from its poll). */
function nodeAndDeafNode(): { a: TestHub; b: TestHub } {
  const storage = new MemoryEngineStorage();
  const net = new MemoryPresenceNetwork();
  const a = node("a", createMemoryEngine(storage), net);
  const deaf: Engine = { ...createMemoryEngine(storage), watch: async () => ({ stop: async () => {} }) };
  return { a, b: node("b", deaf, net) };
}

/** Hello, then wait for `synced` (in cluster mode a hello waits for the engine). */
async function connected(th: TestHub, user: string): Promise<TestClient> {
  const c = new TestClient(th);
  c.hello(user);
  const deadline = Date.now() + 5_000;
  while (!c.frames.some((f) => f.type === "synced")) {
    if (Date.now() > deadline) throw new Error(`${user} did not sync: ${JSON.stringify(c.frames)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return c;
}

async function reply(c: TestClient, id: string): Promise<unknown> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const f = c.frames.find((x) => "id" in x && x.id === id);
    if (f) return f;
    if (Date.now() > deadline) throw new Error(`no reply to ${id}: ${JSON.stringify(c.frames.slice(-3))}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("a DM to a user who signed in on another node an instant ago, and a read cursor at an event just sent there, are accepted once this node has caught up", async () => {
  const { a, b } = nodeAndDeafNode();
  const fay = await connected(b, "fay");
  await settle();

  // gus signs in on A for the first time; B has not applied his `registered` yet.
  const gus = await connected(a, "gus");
  expect(b.hub.projection.users.has("gus")).toBe(false);
  fay.send({ type: "send", id: "dm1", to: { user: "gus" }, cmid: "c1", text: "welcome" });
  expect(await reply(fay, "dm1")).toMatchObject({ type: "ack", stream: "dm:fay:gus", seq: 1 });

  // gus answers on A; fay marks it read on B at once, before B has applied it.
  gus.send({ type: "send", id: "dm2", to: { user: "fay" }, cmid: "c2", text: "thanks" });
  expect(await reply(gus, "dm2")).toMatchObject({ type: "ack", seq: 2 });
  expect(b.hub.log.head("dm:fay:gus")).toBe(1);
  fay.send({ type: "read", id: "r1", stream: "dm:fay:gus", seq: 2 });
  expect(await reply(fay, "r1")).toMatchObject({ type: "ack" });

  // A name nobody has used is still refused (after the catch-up).
  fay.send({ type: "send", id: "dm3", to: { user: "nobody" }, cmid: "c3", text: "?" });
  expect(await reply(fay, "dm3")).toMatchObject({ type: "error", code: "unknown_user" });
});

test("room commands refused on a replica that is behind are decided again once it has caught up: an invite of a user who just signed in elsewhere, a join right after an invite made elsewhere, a kick of a user who just joined elsewhere", async () => {
  const { a, b } = nodeAndDeafNode();

  // ann owns a private room; she works on B, which hears of A's commits only from its poll.
  const ann = await connected(b, "ann");
  ann.send({ type: "join", id: "mk", room: "den", private: true });
  expect(await reply(ann, "mk")).toMatchObject({ type: "ack" });

  // joe signs in on A for the first time; B has not applied his `registered` yet.
  const joe = await connected(a, "joe");
  expect(b.hub.projection.users.has("joe")).toBe(false);
  ann.send({ type: "invite", id: "inv", room: "den", user: "joe" });
  expect(await reply(ann, "inv")).toMatchObject({ type: "ack" });

  // kim is invited on B and joins on A at once ... (A applies B's invite from its watch, at once)
  const kim = await connected(a, "kim");
  await settle();
  ann.send({ type: "invite", id: "inv2", room: "den", user: "kim" });
  expect(await reply(ann, "inv2")).toMatchObject({ type: "ack" });
  kim.send({ type: "join", id: "kj", room: "den" });
  expect(await reply(kim, "kj")).toMatchObject({ type: "ack" });
  // ... and ann, on B, puts her out before B has applied that join.
  expect(b.hub.projection.rooms.get("den")?.has("kim") ?? false).toBe(false);
  ann.send({ type: "kick", id: "k", room: "den", user: "kim" });
  expect(await reply(ann, "k")).toMatchObject({ type: "ack" });

  // joe, invited on B, joins on A; a name nobody has used is still refused after the catch-up.
  joe.send({ type: "join", id: "jj", room: "den" });
  expect(await reply(joe, "jj")).toMatchObject({ type: "ack" });
  ann.send({ type: "invite", id: "inv3", room: "den", user: "nobody" });
  expect(await reply(ann, "inv3")).toMatchObject({ type: "error", code: "unknown_user" });
});

test("a ban made on a replica that has not yet seen the target join still ends their membership on their own stream (room_left with reason banned), decided again after the catch-up", async () => {
  const { a, b } = nodeAndDeafNode();
  const ann = await connected(b, "ann");
  ann.send({ type: "join", id: "mk", room: "pub" });
  expect(await reply(ann, "mk")).toMatchObject({ type: "ack" });

  // lee joins on A; B, which hears of it only from its poll, bans him before it has applied the join.
  const lee = await connected(a, "lee");
  await settle();
  lee.send({ type: "join", id: "lj", room: "pub" });
  expect(await reply(lee, "lj")).toMatchObject({ type: "ack" });
  expect(b.hub.projection.rooms.get("pub")?.has("lee") ?? false).toBe(false);
  ann.send({ type: "ban", id: "bn", room: "pub", user: "lee" });
  expect(await reply(ann, "bn")).toMatchObject({ type: "ack" });

  // Both nodes agree lee is out of the room, and his own stream says so (his devices leave it).
  for (const th of [a, b]) {
    const deadline = Date.now() + 5_000;
    while (th.hub.projection.rooms.get("pub")?.has("lee") ?? false) {
      if (Date.now() > deadline) throw new Error("lee is still a member on a node");
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const deadline = Date.now() + 5_000;
  while (!lee.frames.some((f) => f.type === "event" && f.kind === "room_left" && f.body.reason === "banned")) {
    if (Date.now() > deadline) throw new Error(`lee never got room_left: ${JSON.stringify(lee.frames.slice(-4))}`);
    await new Promise((r) => setTimeout(r, 5));
  }
});
