import { describe, expect, test } from "bun:test";
import { createMemoryLog } from "../store/memory-log.ts";
import type { EventLog } from "../store/event-log.ts";
import { connected, settle, testHub } from "./testing/hub-harness.ts";
import { DEFAULTS, type Config } from "./config.ts";
import { broadcastHandler, healthHandler, readyHandler } from "./http.ts";
import { StoreUnavailableError } from "../store/event-log.ts";

const config = (c: Partial<Config> = {}): Config => ({ ...DEFAULTS, adminToken: "admin", ...c });
const post = (body: string, auth = "Bearer admin") =>
  new Request("http://x/api/broadcast", { method: "POST", headers: { authorization: auth, "content-type": "application/json" }, body });
const report = { fromSnapshot: false, snapshotPos: 0, replayed: 0, ms: 1 };

describe("GET /health", () => {
  test("reports status, epoch, start-up and the hub's counters", async () => {
    const th = testHub();
    await connected(th, "ann"); // ann's first sign-in is one event
    const res = healthHandler(th.hub, report, Date.now() - 50)();
    expect(res.status).toBe(200);
    const body = await res.json() as Record<string, unknown>;
    expect(body).toMatchObject({ status: "ok", epoch: th.log.epoch, startup: report, connections: 1, rooms: 0, lastPos: 1, actors: { users: 1, rooms: 0 } });
    expect(body.uptimeMs as number).toBeGreaterThanOrEqual(50);
    expect(body.journal).toMatchObject({ transactions: 1, events: 1 });
  });
});

describe("GET /health and GET /ready while the storage refuses writes", () => {
  test("both 503 while commits fail (health: degraded, ready: the reason); both 200 once a commit succeeds; ready 503 while stopping", async () => {
    const log = createMemoryLog();
    let full = false;
    const disk: EventLog = { ...log, append: (r) => { if (full) throw new StoreUnavailableError("SQLITE_FULL: database or disk is full"); return log.append(r); } };
    const th = testHub({ log: disk });
    let stopping = false;
    const health = healthHandler(th.hub, report, Date.now());
    const ready = readyHandler(th.hub, () => stopping);
    expect([health().status, ready().status]).toEqual([200, 200]);
    expect(await ready().json()).toEqual({ status: "ready" });
    full = true;
    const refused = await broadcastHandler(th.hub, config())(post('{"text":"x"}'));
    expect([refused.status, ((await refused.json()) as { error: string }).error]).toEqual([503, "store_unavailable"]);
    expect(health().status).toBe(503);
    expect(await health().json()).toMatchObject({ status: "degraded", storage: { error: "SQLITE_FULL: database or disk is full" } });
    expect(ready().status).toBe(503);
    expect(((await ready().json()) as { reasons: string[] }).reasons[0]).toContain("commits are failing since");
    full = false;
    expect((await broadcastHandler(th.hub, config())(post('{"text":"x"}'))).status).toBe(200);
    expect([health().status, ready().status]).toEqual([200, 200]);
    stopping = true;
    expect(await ready().json()).toEqual({ status: "not_ready", reasons: ["the server is stopping"] });
    th.hub.journal.stop();
  });
});

describe("POST /api/broadcast", () => {
  test("appends to the broadcast stream and reaches connected clients", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    const res = await broadcastHandler(th.hub, config())(post(JSON.stringify({ text: "maintenance at noon" })));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ stream: "broadcast", seq: 1, pos: 2 }); // pos 1: ann's first sign-in
    await settle();
    expect(ann.socket.events("broadcast").map((e) => [e.author, e.body.text])).toEqual([["@operator", "maintenance at noon"]]);
  });

  test("disabled without an admin token (404); wrong or missing bearer (401)", async () => {
    const th = testHub();
    expect((await broadcastHandler(th.hub, config({ adminToken: undefined }))(post('{"text":"x"}'))).status).toBe(404);
    for (const auth of ["", "Bearer nope", "admin", "Bearer admin2", "bearer admin"]) {
      expect((await broadcastHandler(th.hub, config())(post('{"text":"x"}', auth))).status).toBe(401);
    }
    expect(th.log.lastPos()).toBe(0);
  });

  test("a body that is not JSON, or text that is missing, empty, not a string or too long: 400", async () => {
    const th = testHub();
    const h = broadcastHandler(th.hub, config({ maxText: 5 }));
    for (const body of ["not json", "", "null", "[]", '{"text":""}', '{"text":5}', '{"msg":"x"}', '{"text":"123456"}']) {
      const res = await h(post(body));
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(await res.json()).toMatchObject({ error: "bad_request" });
    }
    expect((await h(post('{"text":"12345"}'))).status).toBe(200);
  });

  test("a log that cannot store the event: 503 with the error code", async () => {
    const log = createMemoryLog();
    const broken: EventLog = { ...log, append: () => { throw new Error("disk full"); } };
    const th = testHub({ log: broken });
    const res = await broadcastHandler(th.hub, config())(post('{"text":"x"}'));
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: "internal" });
  });
});
