import { afterEach, expect, test } from "bun:test";
import type { PresenceEntry, TypingEventFrame } from "../protocol/index.ts";
import { MemoryPresenceNetwork, type MemoryPresenceBus } from "./memory-presence-bus.ts";
import { PresenceTracker, presenceKey } from "./presence-tracker.ts";

/** Generous, so a loaded machine's pauses never look like a silent node. */
const TIMEOUT_MS = 1_000;

interface Node {
  name: string;
  tracker: PresenceTracker;
  bus: MemoryPresenceBus;
  typing: { groups: string[]; frame: TypingEventFrame }[];
  dropped: string[];
  errors: unknown[];
  /** What this node's room actors would show of other nodes: room -> key -> entry. */
  seen: Map<string, Map<string, PresenceEntry>>;
}

let running: Node[] = [];
afterEach(async () => {
  for (const n of running) await n.tracker.stop().catch(() => {});
  running = [];
});

async function node(net: MemoryPresenceNetwork, name: string, opts: { fullStateMs?: number } = {}): Promise<Node> {
  const bus = net.bus();
  const n: Node = { name, bus, typing: [], dropped: [], errors: [], seen: new Map(), tracker: undefined as unknown as PresenceTracker };
  n.tracker = new PresenceTracker({
    node: name, bus, timeoutMs: TIMEOUT_MS, fullStateMs: opts.fullStateMs ?? 60_000,
    onRemote: (room, changes) => {
      let m = n.seen.get(room);
      if (!m) n.seen.set(room, (m = new Map()));
      for (const [k, { before, after }] of changes) {
        expect(before).toEqual(m.get(k)); // what it said until now is what the callbacks said
        if (after) m.set(k, after);
        else m.delete(k);
      }
      expect(n.tracker.remoteIn(room)).toEqual(m); // the callbacks and the directory agree
    },
    onTyping: (groups, frame) => n.typing.push({ groups, frame }),
    onNodeDropped: (node) => n.dropped.push(node),
    onError: (e) => n.errors.push(e),
  });
  await n.tracker.start();
  running.push(n);
  return n;
}

const entry = (user: string, device = "d1", client = "web"): PresenceEntry => ({ user, device, client });

async function until(cond: () => boolean, what: string, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Every payload the network delivers, heard by a listener that never drops: to know a message has gone by. */
function tap(net: MemoryPresenceNetwork): string[] {
  const heard: string[] = [];
  net.listeners.add({ handlers: { onMessage: (p) => heard.push(p), onListening: () => {} }, dropping: false });
  return heard;
}

const online = (n: Node, room: string) => [...(n.seen.get(room)?.keys() ?? [])].sort();

test("a device online on one node is seen online on the others, and offline once it leaves", async () => {
  const net = new MemoryPresenceNetwork();
  const [a, b, c] = [await node(net, "a"), await node(net, "b"), await node(net, "c")];
  a.tracker.localChanged("lobby", [entry("alice"), entry("alice", "d2")], []);
  await until(() => online(b, "lobby").length === 2 && online(c, "lobby").length === 2, "alice on b and c");
  expect(b.tracker.remoteIn("lobby").get(presenceKey("alice", "d2"))).toEqual(entry("alice", "d2"));
  expect(online(a, "lobby")).toEqual([]); // a node never counts itself as remote
  a.tracker.localChanged("lobby", [], [entry("alice")]);
  await until(() => online(b, "lobby").length === 1 && online(c, "lobby").length === 1, "alice/d1 gone");
  expect(online(b, "lobby")).toEqual(["alice/d2"]);
});

test("the same device online on two nodes stays online until both have let it go", async () => {
  const net = new MemoryPresenceNetwork();
  const [a, b, c] = [await node(net, "a"), await node(net, "b"), await node(net, "c")];
  a.tracker.localChanged("r", [entry("bob")], []);
  b.tracker.localChanged("r", [entry("bob")], []);
  await until(() => online(c, "r").length === 1 && online(a, "r").length === 1 && online(b, "r").length === 1, "bob everywhere");
  a.tracker.localChanged("r", [], [entry("bob")]);
  b.tracker.localChanged("r", [entry("carl")], []);
  await until(() => online(c, "r").length === 2, "carl on c");
  expect(online(c, "r")).toEqual(["bob/d1", "carl/d1"]);
  b.tracker.localChanged("r", [], [entry("bob")]);
  await until(() => online(c, "r").length === 1, "bob gone from c");
});

test("a node started later learns what the others already have", async () => {
  const net = new MemoryPresenceNetwork();
  const a = await node(net, "a");
  a.tracker.localChanged("r1", [entry("ann")], []);
  a.tracker.localChanged("r2", [entry("ann"), entry("abe")], []);
  const late = await node(net, "late");
  await until(() => online(late, "r1").length === 1 && online(late, "r2").length === 2, "a's presence on the late node");
});

test("typing on one node reaches the same groups on the others", async () => {
  const net = new MemoryPresenceNetwork();
  const [a, b] = [await node(net, "a"), await node(net, "b")];
  a.tracker.typing(["room:lobby"], { type: "typing", stream: "room:lobby", user: "alice" });
  await until(() => b.typing.length === 1, "typing on b");
  expect(b.typing[0]).toEqual({ groups: ["room:lobby"], frame: { type: "typing", stream: "room:lobby", user: "alice" } });
  expect(a.typing).toEqual([]);
});

test("a node that goes silent (crashed: no bye) is dropped after the timeout and its presence goes offline everywhere", async () => {
  const net = new MemoryPresenceNetwork();
  const [a, b, c] = [await node(net, "a"), await node(net, "b"), await node(net, "c")];
  a.tracker.localChanged("r", [entry("alice")], []);
  c.tracker.localChanged("r", [entry("carol")], []);
  await until(() => online(b, "r").length === 2, "both on b");
  await a.bus.close(); // a's process is gone: nothing more from it, not even a bye
  await until(() => online(b, "r").length === 1 && online(c, "r").length === 0, "alice dropped", TIMEOUT_MS * 10);
  expect(online(b, "r")).toEqual(["carol/d1"]);
  expect(b.dropped).toEqual(["a"]);
});

test("a node that stops says bye: its presence goes at once", async () => {
  const net = new MemoryPresenceNetwork();
  const [a, b] = [await node(net, "a", {}), await node(net, "b")];
  a.tracker.localChanged("r", [entry("alice")], []);
  await until(() => online(b, "r").length === 1, "alice on b");
  await a.tracker.stop();
  await until(() => online(b, "r").length === 0, "alice gone", TIMEOUT_MS / 2);
});

test("a device two nodes have stays online when one of them stops, and goes when the other does too", async () => {
  const net = new MemoryPresenceNetwork();
  const [a, b, c] = [await node(net, "a"), await node(net, "b"), await node(net, "c")];
  a.tracker.localChanged("r", [entry("bob"), entry("ann")], []);
  b.tracker.localChanged("r", [entry("bob")], []);
  await until(() => online(c, "r").length === 2 && online(b, "r").length === 2, "bob and ann on c and b");
  await a.tracker.stop();
  await until(() => online(c, "r").length === 1, "ann gone from c");
  expect(online(c, "r")).toEqual(["bob/d1"]);
  expect(c.tracker.remoteIn("r").get(presenceKey("bob", "d1"))).toEqual(entry("bob"));
  await b.tracker.stop();
  await until(() => online(c, "r").length === 0, "bob gone from c");
});

test("a restarted node (same name, new incarnation) replaces what its previous run had", async () => {
  const net = new MemoryPresenceNetwork();
  const [a, b] = [await node(net, "a"), await node(net, "b")];
  a.tracker.localChanged("r", [entry("alice")], []);
  await until(() => online(b, "r").length === 1, "alice on b");
  await a.bus.close();
  const again = await node(net, "a");
  again.tracker.localChanged("r", [entry("amy")], []);
  await until(() => online(b, "r").join() === "amy/d1", "only amy on b");
});

test("lost deltas are noticed from the heartbeat's count and healed by a full state", async () => {
  const net = new MemoryPresenceNetwork();
  const [a, b] = [await node(net, "a"), await node(net, "b")];
  a.tracker.localChanged("r", [entry("alice"), entry("al")], []);
  await until(() => online(b, "r").length === 2, "both on b");
  b.bus.drop();
  const heard = tap(net);
  a.tracker.localChanged("r", [entry("ava")], [entry("alice")]);
  a.tracker.localChanged("s", [entry("ava")], []);
  // The delta goes by while b is deaf: delivered to every listener at once, so heard here means missed there.
  await until(() => heard.some((p) => p.includes("ava")), "the delta delivered");
  b.bus.resume(); // b never learns it missed something, except from a's next heartbeat
  await until(() => online(b, "r").join() === "al/d1,ava/d1" && online(b, "s").length === 1, "healed", TIMEOUT_MS * 5);
  expect(b.dropped).toEqual([]);
});

test("a listener that reconnects asks everyone for their state", async () => {
  const net = new MemoryPresenceNetwork();
  const [a, b] = [await node(net, "a"), await node(net, "b")];
  b.bus.drop();
  const heard = tap(net);
  a.tracker.localChanged("r", [entry("alice")], []);
  await until(() => heard.some((p) => p.includes("alice")), "the delta delivered (missed by b)");
  b.bus.reconnect();
  await until(() => online(b, "r").length === 1, "alice on b", TIMEOUT_MS * 5);
});

test("a full state larger than one payload arrives whole, in parts", async () => {
  const net = new MemoryPresenceNetwork();
  const a = await node(net, "a");
  const long = "x".repeat(60);
  const many = Array.from({ length: 600 }, (_, i) => entry(`${long}${i}`, `device-${long}`));
  a.tracker.localChanged(`room-${long}`, many, []);
  const late = await node(net, "late");
  await until(() => online(late, `room-${long}`).length === 600, "600 entries", 5_000);
  expect(a.errors).toEqual([]);
});
