import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SignJWT } from "jose";
import type { RunningServer } from "../../src/server/start.ts";
import type { ErrorFrame, PresenceFrame, WelcomeFrame } from "../../src/protocol/index.ts";
import { TestClient, start } from "./harness.ts";

const secret = "test-secret-of-reasonable-length";
const token = (sub: string, key = secret) =>
  new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setExpirationTime("5m").sign(new TextEncoder().encode(key));

describe("JWT auth", () => {
  let server: RunningServer;
  beforeAll(async () => { server = await start({ jwtSecret: secret }); });
  afterAll(() => server.stop());

  test("a valid token names the user, and the user field is ignored", async () => {
    const c = await TestClient.open(server.url);
    c.send({ type: "hello", token: await token("alice"), user: "root", device: "d", client: "cli" });
    const w = (await c.waitFor((f) => f.type === "welcome")) as WelcomeFrame;
    expect(w.user).toBe("alice");
    c.close();
  });

  for (const [what, hello] of [
    ["no token", async () => ({ type: "hello", user: "alice", device: "d", client: "cli" })],
    ["a token signed with another key", async () => ({ type: "hello", token: await token("alice", "another-secret-entirely"), device: "d", client: "cli" })],
    ["garbage", async () => ({ type: "hello", token: "not.a.jwt", device: "d", client: "cli" })],
  ] as const) {
    test(`${what} is refused with unauthorized and close 4001`, async () => {
      const c = await TestClient.open(server.url);
      c.send(await hello());
      expect(((await c.waitFor((f) => f.type === "error")) as ErrorFrame).code).toBe("unauthorized");
      expect((await c.waitClosed()).code).toBe(4001);
    });
  }
});

describe("operators and presence", () => {
  let server: RunningServer;
  beforeAll(async () => { server = await start({ adminToken: "op-token" }); });
  afterAll(() => server.stop());

  test("POST /api/broadcast needs the admin token, is logged, and reaches everyone", async () => {
    const c = await TestClient.connect(server.url, "listener");
    const denied = await fetch(`${server.url}/api/broadcast`, { method: "POST", body: JSON.stringify({ text: "x" }) });
    expect(denied.status).toBe(401);
    const res = await fetch(`${server.url}/api/broadcast`, {
      method: "POST", headers: { authorization: "Bearer op-token" }, body: JSON.stringify({ text: "maintenance at noon" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ stream: "broadcast", seq: 1 });
    const e = await c.waitFor((f) => f.type === "event" && f.stream === "broadcast");
    expect(e).toMatchObject({ kind: "broadcast", author: "@operator", body: { text: "maintenance at noon" } });
    c.close();
  });

  test("presence lists who is online per device and client kind, and announces joins and leaves", async () => {
    const a = await TestClient.connect(server.url, "pat");
    await a.request({ type: "join", room: "here" });
    const b = await TestClient.open(server.url);
    b.send({ type: "hello", user: "quinn", device: "browser-1", client: "web" });
    await b.waitFor((f) => f.type === "synced");
    await b.request({ type: "join", room: "here" });
    const joined = (await a.waitFor((f) => f.type === "presence" && !!f.joined?.some((e) => e.user === "quinn"))) as PresenceFrame;
    expect(joined.joined).toEqual([{ user: "quinn", device: "browser-1", client: "web" }]);
    const who = (await a.request({ type: "who", room: "here" })) as PresenceFrame;
    expect(who.online?.map((e) => `${e.user}/${e.client}`).sort()).toEqual(["pat/cli", "quinn/web"]);
    b.ws.close();
    const left = (await a.waitFor((f) => f.type === "presence" && !!f.left)) as PresenceFrame;
    expect(left.left).toEqual([{ user: "quinn", device: "browser-1", client: "web" }]);
    a.close();
  });

  test("app-level ping is answered with pong carrying the same id and t", async () => {
    const c = await TestClient.connect(server.url, "pinger");
    expect(await c.request({ type: "ping", t: 1234 })).toMatchObject({ type: "pong", t: 1234 });
    c.close();
  });

  test("a connection that never says hello is closed with 4100", async () => {
    const quick = await start({ helloTimeoutMs: 100 });
    const c = await TestClient.open(quick.url);
    expect((await c.waitClosed()).code).toBe(4100);
    await quick.stop();
  });

  test("GET /health reports the log and the journal", async () => {
    const h = (await (await fetch(`${server.url}/health`)).json()) as { status: string; journal: { transactions: number } };
    expect(h.status).toBe("ok");
    expect(h.journal.transactions).toBeGreaterThan(0);
  });
});
