/**
 * `bun bench/presence-memory.ts [entries]`: JS heap per presence entry of the cluster's
 * presence tracker (src/cluster/presence-tracker.ts). One node announces `entries` devices in
 * rooms of 100 on an in-memory bus; another node receives them all, as every node of a cluster
 * holds every other node's entries (at 100k connections on 7 nodes, ~86k per node). Both run in
 * this process: the figure is the sender's local entries plus the receiver's remote ones, after a
 * full GC. Room actors keep no copy of their own (they read the tracker's map), so this is all
 * a remote entry costs a node.
 * A measurement, not a benchmark: no goals.
 */
import { heapStats } from "bun:jsc";
import { MemoryPresenceBus, MemoryPresenceNetwork } from "../src/cluster/memory-presence-bus.ts";
import { PresenceTracker } from "../src/cluster/presence-tracker.ts";
import type { PresenceEntry } from "../src/protocol/index.ts";

const n = Number(process.argv[2] ?? 50_000);
const rooms = Math.max(1, Math.round(n / 100));
const net = new MemoryPresenceNetwork();
const tracker = (node: string, onRemote = () => {}) => new PresenceTracker({ node, bus: new MemoryPresenceBus(net), timeoutMs: 600_000, onRemote, onTyping() {} });
const receiver = tracker("rx"), sender = tracker("tx");
await receiver.start();
await sender.start();
await Bun.sleep(100);
const heap = () => { Bun.gc(true); Bun.gc(true); return heapStats().heapSize; };
const h0 = heap();
for (let i = 0; i < n; i += 1000) {
  const byRoom = new Map<string, PresenceEntry[]>();
  for (let j = i; j < Math.min(n, i + 1000); j++) {
    const room = `r${j % rooms}`;
    byRoom.set(room, [...(byRoom.get(room) ?? []), { user: `c${j}`, device: "d", client: "bench" }]);
  }
  for (const [room, on] of byRoom) sender.localChanged(room, on, []);
  await Bun.sleep(1);
}
let held = 0;
for (let deadline = Date.now() + 10_000; held < n && Date.now() < deadline; await Bun.sleep(20)) {
  held = 0;
  for (let r = 0; r < rooms; r++) held += receiver.remoteIn(`r${r}`).size;
}
const h1 = heap();
console.log(`${held} remote entries in ${rooms} rooms: ${((h1 - h0) / n).toFixed(0)} B of JS heap per entry (sender's local + receiver's remote), RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`);
process.exit(0);
