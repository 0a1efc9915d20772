/** /metrics of an in-process server: what the counters say after known traffic. */
import { afterEach, expect, test } from "bun:test";
import type { RunningServer } from "../../src/server/start.ts";
import { TestClient, start } from "./harness.ts";

let server: RunningServer | undefined;
afterEach(async () => { await server?.stop(); server = undefined; });

const scrape = async (s: RunningServer): Promise<Map<string, number>> => {
  const res = await fetch(`${s.url}/metrics`);
  expect(res.status).toBe(200);
  const values = new Map<string, number>();
  for (const line of (await res.text()).split("\n")) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) values.set(m[1]!, Number(m[2]));
  }
  return values;
};

/** Lets the server's close handlers run: a client's close event can arrive before them. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

test("fan-out deliveries count every subscribed socket of a publish, and stop counting a closed one", async () => {
  server = await start();
  const s = server;
  const clients = await Promise.all(["a", "b", "c"].map((u) => TestClient.connect(s.url, u)));
  const broadcast = async (text: string) => {
    await s.hub.broadcast(text);
    for (const c of clients.filter((c) => !c.closeEvent)) await c.waitFor((f) => f.type === "event" && f.body.text === text);
  };
  await broadcast("one");
  const before = await scrape(s);
  await broadcast("two");
  const after = await scrape(s);
  const d = (name: string) => after.get(name)! - before.get(name)!;
  expect(d('hubbub_fanout_deliveries_total{encoding="json"}')).toBe(3);
  expect(d('hubbub_fanout_publishes_total{encoding="json"}')).toBe(1);
  expect(d('hubbub_events_appended_total{kind="broadcast"}')).toBe(1);

  clients[0]!.close();
  await clients[0]!.waitClosed();
  await until(() => s.hub.connections.size === 2, "the server to see the close");
  await broadcast("three");
  const last = await scrape(s);
  expect(last.get('hubbub_fanout_deliveries_total{encoding="json"}')! - after.get('hubbub_fanout_deliveries_total{encoding="json"}')!).toBe(2);
  expect(last.get('hubbub_connections{encoding="json",client="cli"}')).toBe(2);
  expect(last.get('hubbub_connection_closes_total{code="1000"}')).toBe(1);
}, 30_000);

test("connections move from pending to their client kind at hello, by encoding; unknown kinds are folded into other", async () => {
  server = await start();
  const pending = await TestClient.open(server.url, "msgpack");
  const web = await TestClient.open(server.url, "json");
  web.send({ type: "hello", user: "w", device: "d", client: "web" });
  await web.waitFor((f) => f.type === "synced");
  const odd = await TestClient.open(server.url, "json");
  odd.send({ type: "hello", user: "o", device: "d", client: "my-own-bot-v2" });
  await odd.waitFor((f) => f.type === "synced");
  odd.sendRaw("{not json");
  await odd.waitFor((f) => f.type === "error");
  const m = await scrape(server);
  expect(m.get('hubbub_connections{encoding="msgpack",client="pending"}')).toBe(1);
  expect(m.get('hubbub_connections{encoding="json",client="web"}')).toBe(1);
  expect(m.get('hubbub_connections{encoding="json",client="other"}')).toBe(1);
  expect(m.get('hubbub_connections{encoding="json",client="pending"}')).toBe(0);
  expect(m.get('hubbub_frames_in_total{type="invalid"}')).toBe(1);
  expect(m.get('hubbub_errors_total{code="bad_frame"}')).toBe(1);
  expect([...m.keys()].some((k) => k.includes("my-own-bot"))).toBe(false);
  pending.close();
}, 30_000);

test("without --metrics-token /metrics is open; with --metrics off it is 404", async () => {
  server = await start({ metrics: "off" });
  expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  await server.stop();
  server = await start();
  expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
}, 30_000);
