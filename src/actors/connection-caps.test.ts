import { describe, expect, test } from "bun:test";
import { CloseCode } from "../protocol/index.ts";
import { TestClient, connected, settle, testHub } from "../server/testing/hub-harness.ts";

describe("connections per user", () => {
  test("one more than --max-connections-per-user is closed with 4104; a slot frees when a device leaves", async () => {
    const th = testHub({ config: { maxConnectionsPerUser: 3 } });
    const devices = [await connected(th, "ann", "a"), await connected(th, "ann", "b"), await connected(th, "ann", "c")];
    const extra = new TestClient(th);
    extra.hello("ann", "d");
    await settle();
    expect(extra.socket.closed?.code).toBe(CloseCode.UserConnectionLimit);
    expect(extra.socket.ofType("welcome")).toEqual([]);
    await connected(th, "bob"); // other users are not affected
    devices[0]!.drop();
    await settle();
    await connected(th, "ann", "d");
  });
});

describe("presence is linear in a user's devices", () => {
  test("many devices coming online together cost one announcement, not one per device to every device", async () => {
    const D = 100;
    const th = testHub({ config: { maxConnectionsPerUser: 0 } });
    const first = await connected(th, "ann", "d0");
    first.send({ type: "join", room: "r1" });
    await settle();
    const watcher = await connected(th, "bob");
    watcher.send({ type: "join", room: "r1" });
    await settle();
    const devices: TestClient[] = [];
    for (let i = 1; i < D; i++) {
      const c = new TestClient(th);
      c.hello("ann", `d${i}`);
      devices.push(c);
    }
    await settle(20);
    for (const c of devices) expect(c.socket.ofType("synced").length).toBe(1);
    const announced = th.fanout.published.filter((p) => p.topic === "room:r1|json" && String(p.data).includes('"presence"'));
    // One per turn the hellos are spread over (the shared hello budget paces them), not one per device (was D - 1).
    expect(announced.length).toBeLessThan(D / 5);
    const joinedSeenByBob = watcher.socket.ofType("presence").flatMap((p) => p.joined ?? []).filter((e) => e.user === "ann");
    expect(new Set(joinedSeenByBob.map((e) => e.device)).size).toBe(D - 1);
    const received = [first, watcher, ...devices].reduce((n, c) => n + c.socket.ofType("presence").length, 0);
    expect(received).toBeLessThan(5 * D); // was about D²/2
  });

  test("a device that drops and comes back within one turn is not announced at all", async () => {
    const th = testHub();
    const bob = await connected(th, "bob");
    bob.send({ type: "join", room: "r1" });
    await settle();
    const a = await connected(th, "bob", "phone");
    await settle();
    const before = bob.socket.ofType("presence").length;
    a.drop();
    const again = new TestClient(th);
    again.hello("bob", "phone");
    await settle();
    expect(again.socket.ofType("synced").length).toBe(1);
    const after = bob.socket.ofType("presence").slice(before);
    expect(after.flatMap((p) => [...(p.joined ?? []), ...(p.left ?? [])])).toEqual([]);
  });
});
