import { expect, test } from "bun:test";
import { createMemoryLog } from "../store/memory-log.ts";
import { type EventLog, StoreUnavailableError } from "../store/event-log.ts";
import { TestClient, settle, testHub } from "../server/testing/hub-harness.ts";

test("a hello whose authentication throws leaves no half-open connection acting as user \"\"", async () => {
  const th = testHub({ authenticate: async () => { throw new Error("auth backend down"); } });
  const c = new TestClient(th);
  c.hello("ann");
  await settle();
  c.send({ type: "join", id: "j", room: "r1" });
  c.send({ type: "send", id: "s", to: { user: "bob" }, cmid: "x", text: "who am I?" });
  await settle();
  expect(th.log.lastPos()).toBe(0); // fails: `joined` by author "" and a DM in dm::bob were appended
  expect(c.socket.closed !== undefined || c.socket.reply("j")?.type === "error").toBe(true);
});

test("a hello that fails during the replay closes the connection instead of leaving it live without subscriptions", async () => {
  const log = createMemoryLog();
  log.append([{ stream: "user:ann", kind: "room_joined", author: "ann", body: { room: "r1" }, at: 1 }]);
  const broken: EventLog = { ...log, readAfter: () => { throw new Error("disk error"); } };
  const th = testHub({ log: broken });
  const c = new TestClient(th);
  c.hello("ann", "d1", { "user:ann": 0 });
  await settle();
  expect(c.socket.ofType("error").map((e) => e.code)).toEqual(["internal"]);
  expect(c.socket.closed).toBeDefined(); // fails: the socket stays open, never synced, following nothing
});

test("a new user's first hello while the store refuses writes gets the retryable store_unavailable, not internal", async () => {
  const log = createMemoryLog();
  const full: EventLog = { ...log, append: () => { throw new StoreUnavailableError("disk full"); } };
  const th = testHub({ log: full });
  const c = new TestClient(th);
  c.hello("newcomer");
  await settle();
  expect(c.socket.ofType("error").map((e) => e.code)).toEqual(["store_unavailable"]); // was ["internal"]
  expect(c.socket.closed).toBeDefined(); // no half-open session: the client reconnects later
});
