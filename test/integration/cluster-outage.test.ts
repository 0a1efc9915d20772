/**
 * PostgreSQL unreachable under a running cluster: the database stops taking connections and its
 * sessions are ended (ALTER DATABASE … ALLOW_CONNECTIONS false + pg_terminate_backend), then comes
 * back. Nodes: real processes with a short --store-timeout-ms.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CloseCode, ErrorCode, type AckFrame, type ErrorFrame, type PresenceFrame } from "../../src/protocol/index.ts";
import { bunSqlClient } from "../../src/store/engine/pg/bun-sql.ts";
import { PG_URL, until } from "../../src/store/engine/testing/pg.ts";
import type { PgClient } from "../../src/store/engine/pg/client.ts";
import { createPgDatabase as createDatabase, type PgTestDatabase as TestDatabase } from "../../src/store/engine/testing/pg.ts";
import { TestClient, range, seqs } from "./harness.ts";
import { openTempDir, startClusterNode, type Running } from "./server-process.ts";
import { STEP_MS } from "./cluster-fixture.ts";

const STORE_TIMEOUT_MS = 1_500;

describe("cluster: PostgreSQL unreachable", () => {
  let db: TestDatabase;
  let admin: PgClient;
  let dir: string;
  const nodes = new Map<string, Running>();
  const clients: TestClient[] = [];
  const dbName = () => new URL(db.url).pathname.slice(1);

  const startNode = async (id: string): Promise<Running> => {
    const n = await startClusterNode(db.url, dir, id, ["--store-timeout-ms", String(STORE_TIMEOUT_MS), "--presence-timeout-ms", "3000"], STEP_MS);
    nodes.set(id, n);
    return n;
  };
  const connect = async (node: string, user: string, cursors?: Record<string, number>) => {
    const c = await TestClient.connect(nodes.get(node)!.url, user, { cursors });
    clients.push(c);
    return c;
  };
  const ready = async (node: string) => (await fetch(`${nodes.get(node)!.url}/ready`)).status;

  beforeAll(async () => {
    db = await createDatabase();
    admin = bunSqlClient({ url: PG_URL, max: 1, applicationName: "hubbub-test-admin" });
    dir = openTempDir("hubbub-cluster-outage-");
    await Promise.all([startNode("n1"), startNode("n2")]);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await admin?.query(`ALTER DATABASE ${dbName()} ALLOW_CONNECTIONS true`).catch(() => {});
    await Promise.all([...nodes.values()].map((n) => n.kill(15)));
    await admin?.close();
    await db?.drop();
  }, 60_000);

  test("sends are refused retryably, sockets close with 4106 after --store-timeout-ms, /ready fails; when it is back clients resume gap-free and nothing acked is lost", async () => {
    const alice = await connect("n1", "alice");
    const bob = await connect("n2", "bob");
    for (const c of [alice, bob]) expect((await c.request({ type: "join", room: "ops" })).type).toBe("ack");
    const acked: AckFrame[] = [];
    for (const i of [1, 2, 3]) acked.push((await alice.request({ type: "send", to: { room: "ops" }, cmid: `before-${i}`, text: `m${i}` })) as AckFrame);
    await bob.waitFor((f) => f.type === "event" && f.cmid === "before-3", STEP_MS);
    const bobCursors = bob.cursors();

    // PostgreSQL goes away for this database: no new sessions, the existing ones ended.
    await admin.query(`ALTER DATABASE ${dbName()} ALLOW_CONNECTIONS false`);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [dbName()]);

    // A send now is not acked: it is refused with the retryable store_unavailable (or the socket closes first).
    const reply = await alice.request({ type: "send", to: { room: "ops" }, cmid: "during-1", text: "lost?" }).catch(() => undefined);
    if (reply) expect((reply as ErrorFrame).code).toBe(ErrorCode.StoreUnavailable);

    // After the timeout every socket is closed with 4106, and /ready says why.
    for (const c of [alice, bob]) expect((await c.waitClosed(STEP_MS)).code).toBe(CloseCode.StoreUnreachable);
    for (const n of ["n1", "n2"]) expect(await ready(n)).toBe(503);
    expect(await (await fetch(`${nodes.get("n1")!.url}/ready`)).text()).toContain("shared store");
    // A client reconnecting meanwhile is closed the same way.
    const early = await TestClient.open(nodes.get("n2")!.url);
    clients.push(early);
    early.send({ type: "hello", user: "carl", device: "d1", client: "cli" });
    expect((await early.waitClosed(STEP_MS)).code).toBe(CloseCode.StoreUnreachable);

    // PostgreSQL is back: the nodes take connections again.
    await admin.query(`ALTER DATABASE ${dbName()} ALLOW_CONNECTIONS true`);
    await until(async () => (await ready("n1")) === 200 && (await ready("n2")) === 200, STEP_MS, "both nodes ready again");

    // alice resumes on the other node and retries what was not acked, with the same cmid.
    const alice2 = await connect("n2", "alice", alice.cursors());
    const retried = (await alice2.request({ type: "send", to: { room: "ops" }, cmid: "during-1", text: "lost?" })) as AckFrame;
    expect(retried.type).toBe("ack");
    expect(retried.seq).toBe(acked[2]!.seq + 1);
    const after = (await alice2.request({ type: "send", to: { room: "ops" }, cmid: "after-1", text: "back" })) as AckFrame;
    expect(after.seq).toBe(retried.seq + 1);
    // bob resumes on n1 from his cursors: exactly what he missed, once, in order.
    const bob2 = await connect("n1", "bob", bobCursors);
    await bob2.waitFor((f) => f.type === "event" && f.cmid === "after-1", STEP_MS);
    expect(seqs(bob2.events("room:ops"))).toEqual(range(bobCursors["room:ops"]! + 1, after.seq));
    // Every acked message is in the log once.
    const page = await bob2.request({ type: "history", stream: "room:ops", limit: 100 });
    const cmids = page.type === "page" ? page.events.filter((e) => e.kind === "message").map((e) => e.cmid) : [];
    expect(cmids).toEqual(["before-1", "before-2", "before-3", "during-1", "after-1"]);

    // Presence works across the nodes again (each node's LISTEN came back).
    await until(async () => {
      const who = (await bob2.request({ type: "who", room: "ops" })) as PresenceFrame;
      return (who.online ?? []).some((e) => e.user === "alice");
    }, STEP_MS, "alice online for bob");
  }, 120_000);
});
