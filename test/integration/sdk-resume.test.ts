import { expect, test } from "bun:test";
import { HubbubClient, memoryStorage, type ConnectionState } from "../../src/client/index.ts";
import { realClock, type Clock } from "../../src/client/clock.ts";
import type { EventFrame } from "../../src/protocol/index.ts";
import { start, tempDb } from "./harness.ts";

const fast = { floorMs: 20, firstCeilingMs: 60, capMs: 300 };

async function until(pred: () => boolean, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(10); // the poll interval of an event-or-deadline wait
  }
}

/** The real clock, keeping count of the timers the client has scheduled and not yet run or cleared. */
function countingClock(): Clock & { pending: Set<unknown> } {
  const pending = new Set<unknown>();
  return {
    pending,
    now: () => realClock.now(),
    setTimeout: (fn, ms) => {
      const h: unknown = realClock.setTimeout(() => { pending.delete(h); fn(); }, ms);
      pending.add(h);
      return h;
    },
    clearTimeout: (h) => { pending.delete(h); realClock.clearTimeout(h); },
  };
}

test("SDK: server killed and restarted, socket closed mid-send: nothing lost, nothing duplicated, order kept", async () => {
  const db = tempDb();
  let server = await start({ db });
  const port = server.port;
  const url = server.url;
  const mk = (user: string, storage = memoryStorage()) =>
    new HubbubClient({ url, user, client: "cli", storage, backoff: fast, encoding: user === "bob" ? "msgpack" : "json" });
  const alice = mk("alice");
  const bobStorage = memoryStorage();
  const bob = mk("bob", bobStorage);
  const got: EventFrame[] = [];
  bob.on("event", (e) => { if (e.stream === "room:chat" && e.kind === "message") got.push(e); });
  const states: ConnectionState["name"][] = [];
  alice.on("state", (s) => states.push(s.name));
  alice.connect();
  bob.connect();
  await until(() => alice.state.name === "live" && bob.state.name === "live");
  await alice.join("chat");
  await bob.join("chat");

  const texts: string[] = [];
  const acks: Promise<unknown>[] = [];
  const say = (t: string) => { texts.push(t); acks.push(alice.send({ room: "chat" }, t).acked); };
  for (let i = 0; i < 10; i++) say(`before ${i}`);
  await Promise.all(acks);

  // Kill the server with sends in flight, send more while it is down, bring it back.
  for (let i = 0; i < 10; i++) say(`in flight ${i}`);
  await server.stop();
  await until(() => alice.state.name === "reconnecting");
  for (let i = 0; i < 10; i++) say(`while down ${i}`);
  expect(alice.pendingSends().length).toBeGreaterThanOrEqual(10);
  server = await start({ db, port });
  await Promise.all(acks);
  await until(() => got.length >= texts.length);

  // Cut the socket under the client in the middle of a burst.
  for (let i = 0; i < 10; i++) say(`cut ${i}`);
  (alice as unknown as { ws?: { close(): void } }).ws?.close();
  await Promise.all(acks);
  // One more message, sent after everything above was acked: once bob has it, any duplicate of an
  // earlier one would have reached him before it (a stream is delivered in seq order).
  say("last");
  await Promise.all(acks);
  await until(() => got.some((e) => e.body.text === "last"));

  expect(got.map((e) => e.body.text)).toEqual(texts);
  expect(got.map((e) => e.seq)).toEqual(got.map((_, i) => got[0]!.seq + i));
  const log = server.hub.log.readAfter("room:chat", 0, 1000).filter((e) => e.kind === "message").map((e) => e.body.text);
  expect(log).toEqual(texts);
  expect(states).toContain("reconnecting");
  expect(alice.pendingSends()).toEqual([]);
  alice.close();
  bob.close();
  await server.stop();
}, 30_000);

test("SDK: a stop close code (bad credentials) does not reconnect", async () => {
  const server = await start({ jwtSecret: "s3cret-s3cret-s3cret-s3cret-s3cret" });
  const clock = countingClock();
  const c = new HubbubClient({ url: server.url, token: "nope", client: "cli", backoff: fast, clock });
  const states: string[] = [];
  c.on("state", (s) => states.push(s.name));
  c.connect();
  await until(() => c.state.name === "stopped");
  expect(clock.pending.size).toBe(0); // no retry scheduled: nothing will ever connect again
  expect(c.state).toMatchObject({ name: "stopped", code: 4001 });
  expect(states.filter((s) => s === "connecting").length).toBe(1);
  await server.stop();
});

test("SDK: a resumed client gets what it missed exactly once, and its outbox survives a restart of the client", async () => {
  const server = await start();
  const storage = memoryStorage();
  const a = new HubbubClient({ url: server.url, user: "ann", client: "cli", storage, backoff: fast });
  const writer = new HubbubClient({ url: server.url, user: "wes", client: "cli", backoff: fast });
  a.connect();
  writer.connect();
  await until(() => a.state.name === "live" && writer.state.name === "live");
  await a.join("r");
  await writer.join("r");
  a.close();
  for (let i = 0; i < 5; i++) await writer.send({ room: "r" }, `missed ${i}`).acked;
  // A send made while closed is persisted in the outbox…
  a.send({ room: "r" }, "from the outbox");
  // …and a brand-new client on the same storage (a restarted CLI) sends it and replays the missed ones.
  const b = new HubbubClient({ url: server.url, user: "ann", client: "cli", storage, backoff: fast });
  const seen: string[] = [];
  b.on("event", (e) => { if (e.kind === "message") seen.push(String(e.body.text)); });
  b.connect();
  await until(() => seen.length >= 6);
  await writer.send({ room: "r" }, "after").acked; // once b has it, a duplicate of anything before would have come first
  await until(() => seen.includes("after"));
  expect(seen).toEqual(["missed 0", "missed 1", "missed 2", "missed 3", "missed 4", "from the outbox", "after"]);
  expect(b.pendingSends()).toEqual([]);
  b.close();
  writer.close();
  await server.stop();
});

test("SDK: a room joined on another device while this one was offline is replayed from the join on resume", async () => {
  const server = await start();
  const laptop = new HubbubClient({ url: server.url, user: "ann", client: "cli", device: "laptop", backoff: fast });
  const phone = new HubbubClient({ url: server.url, user: "ann", client: "cli", device: "phone", backoff: fast });
  const bob = new HubbubClient({ url: server.url, user: "bob", client: "cli", backoff: fast });
  const seen: string[] = [];
  laptop.on("event", (e) => { if (e.stream === "room:later" && e.kind === "message") seen.push(String(e.body.text)); });
  for (const c of [laptop, phone, bob]) c.connect();
  await until(() => [laptop, phone, bob].every((c) => c.state.name === "live"));
  await bob.join("later");
  laptop.close(); // offline; its cursors stay in memory for the resume

  await phone.join("later");
  for (let i = 0; i < 3; i++) await bob.send({ room: "later" }, `while away ${i}`).acked;
  laptop.connect();
  await until(() => seen.length >= 3);
  await bob.send({ room: "later" }, "back").acked; // once the laptop has it, a duplicate of anything before would have come first
  await until(() => seen.includes("back"));
  expect(seen).toEqual(["while away 0", "while away 1", "while away 2", "back"]);
  for (const c of [laptop, phone, bob]) c.close();
  await server.stop();
});
