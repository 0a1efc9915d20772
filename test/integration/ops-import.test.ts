/**
 * `hubbub import`: a single node's SQLite history moved into an empty PostgreSQL store, then
 * served by cluster nodes — clients resume with their single-node cursors, exactly. Real
 * processes, a database made for this file (PostgreSQL at 127.0.0.1:5432 or HUBBUB_TEST_PG).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { AckFrame, WelcomeFrame } from "../../src/protocol/index.ts";
import { bunSqlClient } from "../../src/store/engine/pg/bun-sql.ts";
import { openPgEngine } from "../../src/store/engine/pg/pg-engine.ts";
import { openEventLog } from "../../src/store/open-log.ts";
import { TestClient, range, seqs } from "./harness.ts";
import { ops } from "./ops-process.ts";
import { createPgDatabase as createDatabase, type PgTestDatabase as TestDatabase } from "../../src/store/engine/testing/pg.ts";
import { openTempDir, startProcess, type Running } from "./server-process.ts";

const STEP_MS = 30_000;

describe("hubbub import: from one SQLite node to a cluster", () => {
  let pg: TestDatabase;
  let dir: string;
  const running: Running[] = [];
  const clients: TestClient[] = [];
  const connect = async (url: string, user: string, opts: Parameters<typeof TestClient.connect>[2] = {}) => {
    const c = await TestClient.connect(url, user, opts);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    pg = await createDatabase();
    dir = openTempDir("hubbub-import-");
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(running.map((r) => r.kill(9)));
    await pg?.drop();
  }, 60_000);

  test("refused while the server runs, and for a store that is not a postgres URL", async () => {
    const db = join(dir, "busy.db");
    const server = await startProcess(["--port", "0", "--db", db, "--log-level", "warn"]);
    running.push(server);
    const r = await ops(["import", "--db", db, "--store", pg.url]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("stop the server before importing");
    await server.kill(15);
    const usage = await ops(["import", "--db", db, "--store", "redis://127.0.0.1"]);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain("--store postgres://");
  }, 60_000);

  test("a pruned log is refused with the stream that was pruned, and nothing is written", async () => {
    const db = join(dir, "pruned.db");
    const log = await openEventLog({ path: db });
    const at = Date.now();
    log.append([{ stream: "room:old", kind: "joined", author: "ann", body: {}, at }]);
    for (let i = 0; i < 5; i++) log.append([{ stream: "room:old", kind: "message", author: "ann", body: { text: `m${i}` }, cmid: `c${i}`, at }]);
    expect(log.prune("room:old", 2)).toBeGreaterThan(0);
    log.close();
    const r = await ops(["import", "--db", db, "--store", pg.url]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("room:old starts at #5");
  }, 60_000);

  test("every event keeps its seq, pos and epoch; nodes serve it; a client resumes with its single-node cursors exactly", async () => {
    // 1. A single node with some life in it: a room, a DM, an edit, a leave.
    const file = join(dir, "single.db");
    const single = await startProcess(["--port", "0", "--db", file, "--rate-limit", "0", "--log-level", "warn"]);
    running.push(single);
    const alice = await connect(single.url, "alice");
    const bob = await connect(single.url, "bob", { cursors: {} });
    const mallory = await connect(single.url, "mallory");
    for (const c of [alice, bob, mallory]) expect((await c.request({ type: "join", room: "general" })).type).toBe("ack");
    expect((await mallory.request({ type: "leave", room: "general" })).type).toBe("ack");
    let last: AckFrame | undefined;
    for (let i = 0; i < 10; i++) last = (await alice.request({ type: "send", to: { room: "general" }, cmid: `a${i}`, text: `before ${i}` })) as AckFrame;
    await bob.waitFor((f) => f.type === "event" && f.cmid === "a9", STEP_MS);
    const cursors = bob.cursors();
    const a3 = bob.events("room:general").find((e) => e.cmid === "a3")!.seq;
    bob.close();
    for (let i = 10; i < 25; i++) last = (await alice.request({ type: "send", to: { room: "general" }, cmid: `a${i}`, text: `while bob was away ${i}` })) as AckFrame;
    expect((await alice.request({ type: "edit", stream: "room:general", seq: last!.seq, cmid: "e1", text: "edited" })).type).toBe("ack");
    expect((await alice.request({ type: "send", to: { user: "bob" }, cmid: "dm1", text: "psst" })).type).toBe("ack");
    const welcome = alice.frames.find((f) => f.type === "welcome") as WelcomeFrame;
    alice.close();
    mallory.close();
    await single.kill(15);

    // 2. The import. A node opened the empty store once before (it chose an epoch of its own):
    // the history's epoch must still win.
    await (await openPgEngine({ url: pg.url, max: 1 })).close();
    const r = await ops(["import", "--db", file, "--store", pg.url]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`epoch ${welcome.epoch} kept`);
    const again = await ops(["import", "--db", file, "--store", pg.url]);
    expect(again.code).toBe(1);
    expect(again.err).toContain("already holds events");

    // The store holds exactly the file's events, and the membership facts of the end state.
    const src = await openEventLog({ path: file });
    const want = src.readAll(0, 1_000_000);
    src.close();
    const admin = bunSqlClient({ url: pg.url, max: 1, applicationName: "hubbub-test-admin" });
    try {
      const rows = await admin.query("SELECT pos, stream, seq, kind, author, at, cmid, body FROM events ORDER BY pos");
      expect(rows.map((x) => ({ pos: Number(x.pos), stream: x.stream, seq: Number(x.seq), kind: x.kind, author: x.author, at: Number(x.at), ...(x.cmid === null ? {} : { cmid: x.cmid }), body: JSON.parse(String(x.body)) })))
        .toEqual(want.map((e) => ({ ...e })));
      const members = (await admin.query("SELECT key FROM facts WHERE scope = 'room:general' ORDER BY key")).map((x) => x.key);
      expect(members).toEqual(["alice", "bob"]);
      const [meta] = await admin.query("SELECT epoch, pos FROM log_meta");
      expect({ epoch: meta!.epoch, pos: Number(meta!.pos) }).toEqual({ epoch: welcome.epoch, pos: want.length });
    } finally {
      await admin.close();
    }

    // 3. Two nodes: the old file as one node's replica, a fresh one for the other.
    const nodeArgs = (id: string, db: string) => ["--store", pg.url, "--node-id", id, "--port", "0", "--db", db, "--rate-limit", "0", "--log-level", "warn"];
    const n1 = await startProcess(nodeArgs("n1", file), { lines: 4 }, STEP_MS);
    const n2 = await startProcess(nodeArgs("n2", join(dir, "n2.db")), { lines: 4 }, STEP_MS);
    running.push(n1, n2);

    // bob comes back on the fresh node with the cursors he had on the single node.
    const back = await connect(n2.url, "bob", { cursors });
    const w = back.frames.find((f) => f.type === "welcome") as WelcomeFrame;
    expect(w.epoch).toBe(welcome.epoch);
    await back.waitFor((f) => f.type === "event" && f.stream === "room:general" && f.seq === last!.seq + 1, STEP_MS); // the edit
    expect(seqs(back.events("room:general"))).toEqual(range(cursors["room:general"]! + 1, last!.seq + 1));
    await back.waitFor((f) => f.type === "event" && f.stream === "dm:alice:bob" && f.cmid === "dm1", STEP_MS);

    // The cluster goes on from where the single node stopped, through either node.
    const alice2 = await connect(n1.url, "alice", { device: "d2" });
    const next = (await alice2.request({ type: "send", to: { room: "general" }, cmid: "after", text: "on the cluster" })) as AckFrame;
    expect(next).toMatchObject({ type: "ack", seq: last!.seq + 2, pos: want.length + 1 });
    await back.waitFor((f) => f.type === "event" && f.cmid === "after", STEP_MS);
    // A retry of a single-node send is still recognised: its cmid came along.
    const retry = (await alice2.request({ type: "send", to: { room: "general" }, cmid: "a3", text: "before 3" })) as AckFrame;
    expect(retry).toMatchObject({ type: "ack", duplicate: true, seq: a3 });
  }, 120_000);
});
