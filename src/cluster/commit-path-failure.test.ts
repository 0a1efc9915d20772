/**
 * A followed event that reaches the replica but whose commit path fails (here: the publish
 * throws) must never pass silently: the tailer will not offer an applied event again, so a node
 * that logged and went on would leave every local subscriber with a gap. The node stops
 * following, applies and publishes nothing more, keeps its (possibly half-folded) projection out
 * of any snapshot, and reports once, so the server can stop and be restarted.
 */
import { afterEach, expect, test } from "bun:test";
import { createMemoryEngine, MemoryEngineStorage } from "../store/engine/memory-engine.ts";
import { createMemoryLog } from "../store/memory-log.ts";
import { silentLogger } from "../observability/log.ts";
import { FakeFanout } from "../actors/testing/fakes.ts";
import { connected, testHub, type TestHub } from "../server/testing/hub-harness.ts";
import { CommitPathError } from "../actors/hub.ts";
import type { WireData } from "../protocol/index.ts";
import { MemoryPresenceNetwork } from "./memory-presence-bus.ts";
import { startClusterNode, type ClusterNode } from "./node.ts";

/** A fan-out whose publish fails for one message text, as a broken socket layer might. */
class FailingFanout extends FakeFanout {
  override publish(topic: string, data: WireData): void {
    if (typeof data === "string" && data.includes("boom")) throw new Error("publish failed");
    super.publish(topic, data);
  }
}

const running: { th: TestHub; node: ClusterNode }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) { await r.node.stop(); r.th.hub.shutdown(1001, "end"); }
});

const message = (text: string) => ({ stream: "room:r", kind: "message" as const, author: "ann", body: { text }, at: 1 });

test("a followed event whose publish fails stops the node: reported once, nothing after it applied or published, no snapshot", async () => {
  const storage = new MemoryEngineStorage();
  const th = testHub({ log: createMemoryLog(), fanout: new FailingFanout() });
  const reports: string[] = [];
  let stopped!: () => void;
  const failed = new Promise<void>((r) => { stopped = r; });
  const node = startClusterNode(th.hub, createMemoryEngine(storage), silentLogger, {
    commitMaxEvents: 100, node: "a", presenceBus: new MemoryPresenceNetwork().bus(), presenceTimeoutMs: 60_000, storeTimeoutMs: 60_000,
    onDiverged: (why) => { throw new Error(why); },
    onCommitPathFailed: (why) => { reports.push(why); stopped(); },
  });
  running.push({ th, node });
  await connected(th, "watcher"); // someone hello'd speaks JSON here, so events are encoded and published (its sign-in is pos 1)
  const other = createMemoryEngine(storage); // another node's writes
  await other.append([message("one")]);
  await node.caughtUp();
  await other.append([message("boom"), message("three")]);
  await failed;

  const texts = (th.fanout as FakeFanout).published.map((p) => String(p.data)).filter((d) => d.includes('"kind":"message"'));
  expect(texts.length).toBe(1);
  expect(texts[0]).toContain('"one"');
  expect(reports).toHaveLength(1);
  expect(reports[0]).toContain("room:r#2");
  // The replica holds both events of that batch (one transaction); the node applies nothing more.
  expect(th.log.lastPos()).toBe(4);
  await other.append([message("four")]);
  await expect(node.caughtUp(200)).rejects.toThrow();
  expect(() => th.hub.applyFollowed([{ ...message("five"), seq: 5, pos: 6 }])).toThrow(CommitPathError);
  expect(th.log.lastPos()).toBe(4);
  th.hub.snapshot();
  expect(th.log.loadSnapshot("projection")).toBeUndefined();
  expect(th.hub.clusterProblems().join(" ")).toContain("stopped applying");
});
