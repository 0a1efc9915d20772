/**
 * Cluster mode (preview): real node processes on random ports sharing one PostgreSQL database
 * (made for this file with a random name, dropped after). PostgreSQL at 127.0.0.1:5432 (or
 * HUBBUB_TEST_PG); unreachable = these tests FAIL saying so, never skip.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { AckFrame, ErrorFrame } from "../../src/protocol/index.ts";
import { bunSqlClient } from "../../src/store/engine/pg/bun-sql.ts";
import { until } from "../../src/store/engine/testing/pg.ts";
import { TestClient, range, seqs } from "./harness.ts";
import { runUntilExit } from "./server-process.ts";
import { STEP_MS, useCluster } from "./cluster-fixture.ts";
import { openEventLog } from "../../src/store/open-log.ts";

describe("cluster: several nodes on one PostgreSQL", () => {
  const cluster = useCluster("hubbub-cluster-", ["n1", "n2", "n3"]);
  const { nodes, start: startNode, connect } = cluster;

  test("each node says which engine and node it is", () => {
    const line = nodes.get("n1")!.lines.find((l) => l.startsWith("cluster"));
    expect(line).toContain("node n1");
    expect(line).toContain("engine postgres");
  });

  test("a room message sent on one node is acked and delivered to members on the others, in both encodings", async () => {
    const alice = await connect(nodes.get("n1")!, "alice", { encoding: "json" });
    const bob = await connect(nodes.get("n2")!, "bob", { encoding: "msgpack" });
    const carol = await connect(nodes.get("n3")!, "carol", { encoding: "json" });
    for (const c of [alice, bob, carol]) expect((await c.request({ type: "join", room: "lobby" })).type).toBe("ack");
    const ack = (await alice.request({ type: "send", to: { room: "lobby" }, cmid: "hello-1", text: "hi all" })) as AckFrame;
    expect(ack.type).toBe("ack");
    // The sender's own node delivers its event before the ack, as on a single node.
    const own = alice.frames.findIndex((f) => f.type === "event" && f.cmid === "hello-1");
    expect(own).toBeGreaterThanOrEqual(0);
    expect(own).toBeLessThan(alice.frames.indexOf(ack));
    for (const c of [bob, carol]) {
      const e = await c.waitFor((f) => f.type === "event" && f.cmid === "hello-1", STEP_MS);
      expect(e).toMatchObject({ stream: "room:lobby", seq: ack.seq, pos: ack.pos, author: "alice", body: { text: "hi all" } });
    }
    // bob answers from node 2 (msgpack); alice and carol see it.
    const back = (await bob.request({ type: "send", to: { room: "lobby" }, cmid: "hello-2", text: "hey" })) as AckFrame;
    expect(back.seq).toBe(ack.seq + 1);
    await alice.waitFor((f) => f.type === "event" && f.cmid === "hello-2", STEP_MS);
    await carol.waitFor((f) => f.type === "event" && f.cmid === "hello-2", STEP_MS);
  }, 60_000);

  test("a DM sent on one node reaches every device of both users on the others; a read cursor moved on one device reaches the others", async () => {
    const gus1 = await connect(nodes.get("n2")!, "gus", { device: "phone", encoding: "json" });
    const gus2 = await connect(nodes.get("n3")!, "gus", { device: "laptop", encoding: "msgpack" });
    // fay says hello after gus signed in (on other nodes): her hello catches her node up, so it
    // knows gus. (A DM to a user who signed in elsewhere an instant ago may still get
    // unknown_user from a node that has not applied it yet: see docs/architecture.md.)
    const fay = await connect(nodes.get("n1")!, "fay", { encoding: "msgpack" });
    const ack = (await fay.request({ type: "send", to: { user: "gus" }, cmid: "dm-1", text: "psst" })) as AckFrame;
    expect(ack).toMatchObject({ type: "ack", stream: "dm:fay:gus", seq: 1 });
    for (const c of [gus1, gus2]) {
      expect(await c.waitFor((f) => f.type === "event" && f.cmid === "dm-1", STEP_MS)).toMatchObject({ stream: "dm:fay:gus", author: "fay", body: { text: "psst" } });
    }
    // gus answers from node 3; fay (node 1) and gus's other device (node 2) see it.
    expect((await gus2.request({ type: "send", to: { user: "fay" }, cmid: "dm-2", text: "hi" })).type).toBe("ack");
    await fay.waitFor((f) => f.type === "event" && f.cmid === "dm-2", STEP_MS);
    await gus1.waitFor((f) => f.type === "event" && f.cmid === "dm-2", STEP_MS);
    expect((await gus1.request({ type: "read", stream: "dm:fay:gus", seq: 2 })).type).toBe("ack");
    const moved = await gus2.waitFor((f) => f.type === "event" && f.stream === "user:gus" && f.kind === "read", STEP_MS);
    expect(moved).toMatchObject({ body: { stream: "dm:fay:gus", seq: 2 } });
    // A new device on the third node is welcomed with the cursor and no unread.
    const gus3 = await connect(nodes.get("n1")!, "gus", { device: "tablet" });
    const welcome = gus3.frames.find((f) => f.type === "welcome") as { reads: Record<string, number>; streams: { stream: string; unread: number }[] };
    expect(welcome.reads["dm:fay:gus"]).toBe(2);
    expect(welcome.streams.find((x) => x.stream === "dm:fay:gus")?.unread).toBe(0);
  }, 60_000);

  test("membership is decided by the shared store: a join on one node lets the user send through another", async () => {
    const onA = await connect(nodes.get("n1")!, "dave");
    const onB = await connect(nodes.get("n2")!, "dave", { device: "d2" });
    // Not a member anywhere yet.
    expect(((await onB.request({ type: "send", to: { room: "club" }, cmid: "c0", text: "x" })) as ErrorFrame).type).toBe("error");
    expect((await onA.request({ type: "join", room: "club" })).type).toBe("ack");
    // The join reaches node 2 (its room actor) through its tailer: the other device learns of it…
    await onB.waitFor((f) => f.type === "event" && f.stream === "user:dave" && f.kind === "room_joined", STEP_MS);
    // …and may send there.
    expect((await onB.request({ type: "send", to: { room: "club" }, cmid: "c1", text: "from b" })).type).toBe("ack");
    // Joining again on the other node is a repeat, not a second membership.
    const again = (await onB.request({ type: "join", room: "club" })) as AckFrame;
    expect(again).toMatchObject({ type: "ack", duplicate: true });
    expect((await onB.request({ type: "leave", room: "club" })).type).toBe("ack");
    await onA.waitFor((f) => f.type === "event" && f.stream === "room:club" && f.kind === "left", STEP_MS);
    const refused = (await onA.request({ type: "send", to: { room: "club" }, cmid: "c2", text: "after leaving" })) as ErrorFrame;
    expect(refused).toMatchObject({ type: "error", code: "not_member" });
  }, 60_000);

  test("private rooms across nodes: an invite on one node lets the invitee in on another; a kick or ban made on one node takes effect on every node", async () => {
    const olga = await connect(nodes.get("n1")!, "olga");
    const pete2 = await connect(nodes.get("n2")!, "pete");
    const pete3 = await connect(nodes.get("n3")!, "pete", { device: "d3" });
    expect(await olga.request({ type: "join", room: "vault", private: true })).toMatchObject({ type: "ack" });
    // Whether or not node 2 has followed the creation yet, the answer is the same (the engine decides).
    expect(await pete2.request({ type: "join", room: "vault" })).toMatchObject({ type: "error", code: "not_invited" });
    expect(await olga.request({ type: "invite", room: "vault", user: "pete" })).toMatchObject({ type: "ack" });
    await pete2.waitFor((f) => f.type === "event" && f.kind === "room_invited" && f.body.room === "vault", STEP_MS);
    expect(await pete2.request({ type: "join", room: "vault" })).toMatchObject({ type: "ack" });
    await olga.request({ type: "send", to: { room: "vault" }, cmid: "v1", text: "welcome" });
    for (const d of [pete2, pete3]) await d.waitFor((f) => f.type === "event" && f.cmid === "v1", STEP_MS);

    expect(await olga.request({ type: "kick", room: "vault", user: "pete" })).toMatchObject({ type: "ack" });
    for (const d of [pete2, pete3]) await d.waitFor((f) => f.type === "event" && f.kind === "kicked" && f.body.user === "pete", STEP_MS);
    await olga.request({ type: "send", to: { room: "vault" }, cmid: "v2", text: "pete is out" });
    // A later event every node applies in log order after v2: once pete's devices have it, v2 has been and gone.
    await olga.request({ type: "send", to: { user: "pete" }, cmid: "v-sentinel", text: "sentinel" });
    for (const d of [pete2, pete3]) {
      await d.waitFor((f) => f.type === "event" && f.cmid === "v-sentinel", STEP_MS);
      expect(d.events("room:vault").some((e) => e.cmid === "v2")).toBe(false);
    }
    expect(await pete3.request({ type: "history", stream: "room:vault" })).toMatchObject({ type: "error", code: "not_member" });
    expect(await pete3.request({ type: "join", room: "vault" })).toMatchObject({ type: "error", code: "not_invited" });

    expect(await olga.request({ type: "ban", room: "vault", user: "pete" })).toMatchObject({ type: "ack" });
    await olga.request({ type: "send", to: { user: "pete" }, cmid: "v-sentinel-2", text: "sentinel" });
    await pete3.waitFor((f) => f.type === "event" && f.cmid === "v-sentinel-2", STEP_MS);
    expect(await pete3.request({ type: "join", room: "vault" })).toMatchObject({ type: "error", code: "banned" });
  }, 60_000);

  test("an idempotent retry landing on another node returns the original ack", async () => {
    const first = await connect(nodes.get("n1")!, "erin");
    await first.request({ type: "join", room: "retry" });
    const ack = (await first.request({ type: "send", to: { room: "retry" }, cmid: "once", text: "only once" })) as AckFrame;
    first.close();
    const other = await connect(nodes.get("n3")!, "erin");
    const again = (await other.request({ type: "send", to: { room: "retry" }, cmid: "once", text: "only once" })) as AckFrame;
    expect(again).toMatchObject({ type: "ack", stream: ack.stream, seq: ack.seq, pos: ack.pos, duplicate: true });
    const page = await other.request({ type: "history", stream: "room:retry", limit: 50 });
    expect(JSON.stringify(page).split("only once").length - 1).toBe(1);
  }, 60_000);

  test("a client resumes on another node with cursors from the first and gets exactly what it missed, while a writer keeps sending", async () => {
    const writer = await connect(nodes.get("n1")!, "writer", { encoding: "msgpack" });
    await writer.request({ type: "join", room: "busy" });
    const reader = await connect(nodes.get("n1")!, "reader", { cursors: {} });
    await reader.request({ type: "join", room: "busy" });
    for (let i = 0; i < 30; i++) writer.send({ type: "send", to: { room: "busy" }, cmid: `w${i}`, text: `before ${i}` });
    await reader.waitFor((f) => f.type === "event" && f.cmid === "w29", STEP_MS);
    const cursors = reader.cursors();
    reader.close();
    for (let i = 30; i < 1500; i++) writer.send({ type: "send", to: { room: "busy" }, cmid: `w${i}`, text: `away ${i}` });
    await writer.waitFor((f) => f.type === "event" && f.cmid === "w1499", STEP_MS);
    // Keep sending while the reader resumes on node 2.
    let n = 1500;
    let pumping = true;
    const pump = (async () => {
      while (pumping) {
        for (let k = 0; k < 10; k++, n++) writer.send({ type: "send", to: { room: "busy" }, cmid: `w${n}`, text: `during ${n}` });
        await writer.waitFor((f) => f.type === "event" && f.cmid === `w${n - 1}`, STEP_MS);
      }
    })();
    const back = await connect(nodes.get("n2")!, "reader", { encoding: "msgpack", cursors });
    await back.waitFor((f) => f.type === "event" && f.stream === "room:busy" && f.seq > cursors["room:busy"]! + 1500, STEP_MS);
    pumping = false;
    await pump;
    const last = (await writer.waitFor((f) => f.type === "event" && f.cmid === `w${n - 1}`, STEP_MS)) as { seq: number };
    await back.waitFor((f) => f.type === "event" && f.stream === "room:busy" && f.seq === last.seq, STEP_MS);
    expect(seqs(back.events("room:busy"))).toEqual(range(cursors["room:busy"]! + 1, last.seq));
  }, 90_000);

  test("a hello on another node right after an ack: that node first catches up, so the fresh cursor is never ahead of it", async () => {
    const writer = await connect(nodes.get("n1")!, "quick");
    await writer.request({ type: "join", room: "quick" });
    let aheadOfReplica = 0;
    for (let i = 0; i < 20; i++) {
      // The socket to node 2 is open before the send, so the hello follows the ack within a moment.
      const other = cluster.track(await TestClient.open(nodes.get("n2")!.url));
      const ack = (await writer.request({ type: "send", to: { room: "quick" }, cmid: `q${i}`, text: `q${i}` })) as AckFrame;
      other.send({ type: "hello", user: "quick", device: `d${i}`, client: "cli", cursors: { "room:quick": ack.seq } });
      await other.waitFor((f) => f.type === "synced", STEP_MS);
      const welcome = other.frames.find((f) => f.type === "welcome") as { streams: { stream: string; head: number }[] };
      if (welcome.streams.find((x) => x.stream === "room:quick")?.head !== ack.seq) aheadOfReplica += 1;
      // At once, on node 2, with the cursor just acked on node 1: nothing to replay, nothing repeated.
      expect(other.events("room:quick")).toEqual([]);
      other.close();
    }
    expect(aheadOfReplica).toBe(0);
  }, 90_000);

  test("a node killed with -9 and restarted catches up from its replica's position", async () => {
    const watcher = await connect(nodes.get("n3")!, "watcher");
    await watcher.request({ type: "join", room: "crash" });
    const sender = await connect(nodes.get("n1")!, "sender");
    await sender.request({ type: "join", room: "crash" });
    for (let i = 0; i < 20; i++) await sender.request({ type: "send", to: { room: "crash" }, cmid: `k${i}`, text: `m${i}` });
    await watcher.waitFor((f) => f.type === "event" && f.cmid === "k19", STEP_MS);
    const cursors = watcher.cursors();
    await nodes.get("n3")!.kill(9);
    // Written while node 3 is down.
    for (let i = 20; i < 60; i++) await sender.request({ type: "send", to: { room: "crash" }, cmid: `k${i}`, text: `m${i}` });
    const restarted = await startNode("n3");
    const line = restarted.lines.find((l) => l.startsWith("cluster"))!;
    const m = /caught up from pos (\d+) to (\d+)/.exec(line);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0); // it kept its replica: it did not start over
    expect(Number(m![2])).toBeGreaterThan(Number(m![1]));
    const back = await connect(restarted, "watcher", { cursors });
    await back.waitFor((f) => f.type === "event" && f.cmid === "k59", STEP_MS);
    expect(back.events("room:crash").map((e) => e.cmid)).toEqual(range(20, 59).map((i) => `k${i}`));
    expect(seqs(back.events("room:crash"))).toEqual(range(cursors["room:crash"]! + 1, cursors["room:crash"]! + 40));
  }, 90_000);

  test("a replica deleted on disk is rebuilt from the shared store at start", async () => {
    const writer = await connect(nodes.get("n1")!, "rebuilder");
    await writer.request({ type: "join", room: "rebuild" });
    const ack = (await writer.request({ type: "send", to: { room: "rebuild" }, cmid: "r1", text: "keep me" })) as AckFrame;
    await nodes.get("n2")!.kill(15);
    for (const suffix of ["", "-wal", "-shm"]) rmSync(join(cluster.dir, `n2.db${suffix}`), { force: true });
    const fresh = await startNode("n2");
    expect(fresh.lines.find((l) => l.startsWith("cluster"))).toMatch(/caught up from pos 0 to \d+/);
    const reader = await connect(fresh, "rebuilder", { device: "d9", cursors: { "room:rebuild": ack.seq - 1 } });
    const e = await reader.waitFor((f) => f.type === "event" && f.cmid === "r1", STEP_MS);
    expect(e).toMatchObject({ seq: ack.seq, pos: ack.pos });
    // Same epoch as the node that acked it: the cursor is understood, not truncated.
    const welcomeOf = (c: TestClient) => c.frames.find((f) => f.type === "welcome") as { epoch: string };
    expect(welcomeOf(reader).epoch).toBe(welcomeOf(writer).epoch);
  }, 90_000);

  test("kill -9 of the writer's node mid-stream: the writer retries what was not acked on another node; every message exactly once, in order", async () => {
    const reader = await connect(nodes.get("n2")!, "audit-reader");
    await reader.request({ type: "join", room: "audit" });
    const writer = await connect(nodes.get("n1")!, "audit-writer");
    await writer.request({ type: "join", room: "audit" });
    const acked = new Set<string>();
    const sentIds = new Map<number, string>();
    let total = 0;
    const sendNext = () => {
      const i = total++;
      sentIds.set(1000 + i, `a${i}`);
      try { writer.send({ type: "send", id: 1000 + i, to: { room: "audit" }, cmid: `a${i}`, text: `t${i}` }); } catch { /* the socket died with its node: retried below */ }
    };
    // A steady stream, so the kill lands with commands in flight.
    const pump = setInterval(() => { for (let k = 0; k < 2; k++) sendNext(); }, 1);
    await writer.waitFor((f) => f.type === "ack" && f.id === 1000 + 100, STEP_MS);
    await nodes.get("n1")!.kill(9);
    clearInterval(pump);
    for (let k = 0; k < 5; k++) sendNext(); // certainly never acked: the node is gone
    for (const f of writer.frames) if (f.type === "ack" && typeof f.id === "number" && sentIds.has(f.id)) acked.add(sentIds.get(f.id)!);
    expect(acked.size).toBeGreaterThan(100);
    expect(acked.size).toBeLessThan(total);
    // The client reconnects elsewhere and retries everything not acked, with the same cmids.
    const again = await connect(nodes.get("n3")!, "audit-writer", { device: "d1" });
    const retried: number[] = [];
    for (let i = 0; i < total; i++) {
      if (acked.has(`a${i}`)) continue;
      retried.push(5000 + i);
      again.send({ type: "send", id: 5000 + i, to: { room: "audit" }, cmid: `a${i}`, text: `t${i}` });
    }
    const lastRetry = retried[retried.length - 1]!;
    await again.waitFor((f) => "id" in f && f.id === lastRetry, STEP_MS);
    const answers = again.frames.filter((f) => "id" in f && typeof f.id === "number" && f.id >= 5000);
    expect(answers.length).toBe(retried.length);
    expect(answers.every((f) => f.type === "ack")).toBe(true);
    // Any of those committed before the kill (only its ack lost) is answered as a duplicate, not appended again.
    await reader.waitFor((f) => f.type === "event" && f.stream === "room:audit" && reader.events("room:audit").filter((e) => e.kind === "message").length === total, STEP_MS);
    const msgs = reader.events("room:audit").filter((e) => e.kind === "message");
    expect(new Set(msgs.map((e) => e.cmid)).size).toBe(total); // each exactly once
    const all = reader.events("room:audit");
    expect(seqs(all)).toEqual(range(all[0]!.seq, all[0]!.seq + all.length - 1)); // gapless, in order
    // Node 1 comes back from its replica for the tests after this one.
    await startNode("n1");
  }, 120_000);

  test("a --db that holds another history (e.g. a single-node database) is refused at start, saying what to do", async () => {
    const path = join(cluster.dir, "single.db");
    const log = await openEventLog({ path });
    log.append([{ stream: "room:old", kind: "joined", author: "x", body: {}, at: 1 }]);
    log.close();
    const r = await runUntilExit(["--store", cluster.db.url, "--node-id", "n9", "--port", "0", "--db", path], {}, STEP_MS);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("holds another history");
    expect(r.stderr).toContain("move it away");
  }, 60_000);

  test("a replica whose last event the store no longer has (an older backup under the same epoch) is moved aside at start (exit 1, saying so) and the store gets a new epoch: the running nodes stop too (exit 3), every node restarted rebuilds its replica, and clients see the new epoch", async () => {
    const before = await connect(nodes.get("n3")!, "rita");
    expect((await before.request({ type: "join", room: "backup" })).type).toBe("ack");
    const oldEpoch = (before.frames.find((f) => f.type === "welcome") as { epoch: string }).epoch;
    await nodes.get("n3")!.kill(15);
    const path = join(cluster.dir, "n3.db");
    const replica = await openEventLog({ path });
    const last = replica.lastPos();
    replica.close();
    expect(last).toBeGreaterThan(0);
    // The store's event at that pos is another one now: same epoch, other history.
    const admin = bunSqlClient({ url: cluster.db.url, max: 1, applicationName: "hubbub-test-admin" });
    try {
      await admin.query("UPDATE events SET at = at + 1 WHERE pos = $1", [last]);
    } finally {
      await admin.close();
    }
    const r = await runUntilExit(["--store", cluster.db.url, "--node-id", "n3", "--port", "0", "--db", path], {}, STEP_MS);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is not the replica's");
    expect(r.stderr).toContain("the store's epoch is now");
    expect(r.stderr).toContain(`moved to ${path}.diverged-`);
    // The other nodes served that history too: they notice the new epoch by themselves and stop.
    for (const id of ["n1", "n2"]) {
      expect(await nodes.get(id)!.proc.exited).toBe(3);
      expect(await new Response(nodes.get(id)!.proc.stderr).text()).toContain("history changed under this node");
    }
    const [n1] = await Promise.all([startNode("n1"), startNode("n2"), startNode("n3")]);
    const c = await connect(n1, "rita");
    const welcome = c.frames.find((f) => f.type === "welcome") as { epoch: string };
    expect(welcome.epoch).not.toBe(oldEpoch);
    expect((await c.request({ type: "send", to: { room: "backup" }, cmid: "after-restore", text: "still here" })).type).toBe("ack");
  }, 90_000);

  // Last: it changes the shared store's epoch under the running nodes.
  test("/health names the node; a shared store whose history changed under a running node (restored backup): it stops serving, moves its replica aside, exits 3, and a restart rebuilds it in the store's history", async () => {
    const n1 = nodes.get("n1")!;
    const health = (await (await fetch(`${n1.url}/health`)).json()) as { cluster: { node: string; following: boolean; appliedPos: number } };
    expect(health.cluster).toMatchObject({ node: "n1", following: true });
    expect(health.cluster.appliedPos).toBeGreaterThan(0);
    expect((await fetch(`${n1.url}/ready`)).status).toBe(200);
    const watcher = await connect(n1, "walt");
    // n2 is down while it happens: at its next start its replica (of the old epoch) is rebuilt.
    await nodes.get("n2")!.kill(9);
    const admin = bunSqlClient({ url: cluster.db.url, max: 1, applicationName: "hubbub-test-admin" });
    try {
      await admin.query("UPDATE log_meta SET epoch = 'restored-elsewhere' WHERE id = 1");
      // The node re-checks the store's identity whenever its connection (and LISTEN) comes back.
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hubbub-n1'");
    } finally {
      await admin.close();
    }
    // Its clients are let go (to reconnect elsewhere) and the process exits 3, saying why and where the replica went.
    expect((await watcher.waitClosed(STEP_MS)).code).toBe(1001);
    expect(await n1.proc.exited).toBe(3);
    const said = await new Response(n1.proc.stderr).text();
    expect(said).toContain("history changed under this node");
    expect(said).toContain(`${join(cluster.dir, "n1.db")}.diverged-`);
    expect(readdirSync(cluster.dir).some((f) => f.startsWith("n1.db.diverged-") && !f.endsWith("-wal") && !f.endsWith("-shm"))).toBe(true);
    // n3 notices by itself (its store monitor reads the epoch every second) and stops the same way.
    expect(await nodes.get("n3")!.proc.exited).toBe(3);
    // Started again (as a supervisor would), n1 rebuilds its replica in the store's history.
    const again = await startNode("n1");
    const fresh = await connect(again, "walt");
    expect(fresh.frames.find((f) => f.type === "welcome")).toMatchObject({ epoch: "restored-elsewhere" });
    // n2's replica is marked as a cluster replica, so at start it is moved aside and rebuilt, not refused.
    const n2 = await startNode("n2");
    expect(n2.lines.find((l) => l.startsWith("cluster"))).toContain("n2.db.diverged-");
    expect(readdirSync(cluster.dir).some((f) => f.startsWith("n2.db.diverged-") && !f.endsWith("-wal") && !f.endsWith("-shm"))).toBe(true);
    const back = await connect(n2, "walt", { device: "d2" });
    expect(back.frames.find((f) => f.type === "welcome")).toMatchObject({ epoch: "restored-elsewhere" });
  }, 60_000);
});
