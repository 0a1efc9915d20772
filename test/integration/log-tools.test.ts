/**
 * `hubbub log verify|export|stats` on a real database: live beside a running server, then on
 * copies corrupted on purpose, one defect each, which verify must name.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { copyFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { AckFrame } from "../../src/protocol/index.ts";
import { openBunSqliteReader } from "../../src/store/sqlite/bun-sqlite.ts";
import { verifyLog } from "../../src/ops/verify.ts";
import { TestClient, tempDb } from "./harness.ts";
import { ops } from "./ops-process.ts";
import { type ServerProcess, spawnServer } from "./process.ts";

const db = tempDb();
const lines = (ndjson: string) => ndjson.trim().split("\n").map((l) => JSON.parse(l) as { pos: number; stream: string; seq: number; kind: string; cmid?: string; body: Record<string, unknown> });

/** A copy of the (stopped) database with one defect made by `corrupt`, and what verify says of it. */
function corrupted(name: string, corrupt: (c: Database) => void) {
  const path = join(dirname(db), `${name}.db`);
  copyFileSync(db, path);
  const c = new Database(path);
  corrupt(c);
  c.close();
  const reader = openBunSqliteReader(path);
  try {
    return { path, report: verifyLog(reader) };
  } finally {
    reader.close();
  }
}

describe("log tools", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await spawnServer(["--port", "0", "--db", db, "--rate-limit", "0"]);
    const amy = await TestClient.connect(server.url, "amy");
    const bob = await TestClient.connect(server.url, "bob");
    await amy.request({ type: "join", room: "lobby" });
    await bob.request({ type: "join", room: "lobby" });
    for (let i = 0; i < 10; i++) await amy.request({ type: "send", to: { room: "lobby" }, cmid: `a${i}`, text: `hello ${i}` });
    await bob.request({ type: "send", to: { user: "amy" }, cmid: "b0", text: "psst" });
    await bob.request({ type: "send", to: { user: "amy" }, cmid: "b1", text: "again" });
    await bob.request({ type: "read", stream: "room:lobby", seq: 12 });
    amy.close();
    bob.close();
  }, 30_000);
  afterAll(async () => {
    server.proc.kill("SIGTERM");
    await server.proc.exited;
  });

  test("on the live database: stats, export and verify agree, and the server keeps acking meanwhile", async () => {
    const writer = await TestClient.connect(server.url, "carl");
    await writer.request({ type: "join", room: "side" });
    let n = 0;
    const pump = setInterval(() => writer.send({ type: "send", to: { room: "side" }, cmid: `w${n}`, text: `${n++}` }), 5);
    try {
      const stats = await ops(["log", "stats", "--db", db, "--json"]);
      expect(stats.code).toBe(0);
      const s = JSON.parse(stats.out) as { events: number; streams: { room: number; dm: number }; kinds: Record<string, number>; lastPos: number };
      expect(s.streams).toMatchObject({ room: 2, dm: 1 });
      expect(s.kinds.message).toBeGreaterThanOrEqual(11);
      expect(s.events).toBe(s.lastPos);

      const all = lines((await ops(["log", "export", "--db", db])).out);
      expect(all.length).toBeGreaterThanOrEqual(s.events);
      expect(all.map((e) => e.pos)).toEqual(all.map((_, i) => i + 1));
      const lobby = lines((await ops(["log", "export", "--db", db, "--stream", "room:lobby"])).out);
      expect(lobby.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(lobby[2]).toMatchObject({ stream: "room:lobby", kind: "message", cmid: "a0", body: { text: "hello 0" } });

      const verify = await ops(["log", "verify", "--db", db]);
      expect(verify).toMatchObject({ code: 0, err: "" });
      expect(verify.out).toMatch(/^ok: \d+ events in \d+ streams, last pos \d+$/m);

      const text = await ops(["log", "stats", "--db", db]);
      expect(text.out).toContain(`database   ${db} (`);
      expect(text.out).toMatch(/^streams    \d+: 2 rooms, 1 DMs, \d+ users/m);

      const before = n;
      await writer.waitFor((f) => f.type === "ack" && (f as AckFrame).seq >= before + 20, 10_000);
    } finally {
      clearInterval(pump);
      writer.close();
    }
  }, 60_000);

  describe("on copies corrupted on purpose", () => {
    beforeAll(async () => {
      // Stopped with SIGTERM: the WAL is checkpointed and a snapshot saved, so the file alone is the log.
      server.proc.kill("SIGTERM");
      expect(await server.proc.exited).toBe(0);
    });

    test("the clean copy passes, and its snapshot is compared with a replay", () => {
      const { report } = corrupted("clean", () => {});
      expect(report.problems).toEqual([]);
      expect(report.notes.some((n) => /the snapshot at pos \d+ equals a replay/.test(n))).toBe(true);
    });

    test("a gap in a stream's seqs", () => {
      const { report } = corrupted("gap", (c) => c.run("DELETE FROM events WHERE stream = 'room:lobby' AND seq IN (4, 5)"));
      expect(report.problems).toEqual(["room:lobby: gap in seqs: #4..#5 missing between #3 and #6"]);
    });

    test("a seq that appears twice", () => {
      const { report } = corrupted("dup-seq", (c) => {
        c.run("DROP INDEX events_stream_seq");
        c.run("INSERT INTO events (pos, stream, seq, kind, author, at, cmid, body) SELECT (SELECT max(pos) + 1 FROM events), stream, seq, kind, author, at, NULL, body FROM events WHERE stream = 'room:lobby' AND seq = 7");
      });
      expect(report.problems).toHaveLength(1);
      expect(report.problems[0]).toMatch(/^room:lobby: seq #7 appears more than once \(at pos \d+ and \d+\)$/);
    });

    test("a cmid used twice by one author", () => {
      const { report } = corrupted("dup-cmid", (c) => {
        c.run("DROP INDEX events_cmid_author");
        c.run("UPDATE events SET cmid = 'a1' WHERE stream = 'room:lobby' AND cmid = 'a2'");
      });
      expect(report.problems).toEqual(['cmid "a1" of amy is on 2 events: room:lobby#4, room:lobby#5']);
    });

    test("positions that go down within a stream", () => {
      const { report } = corrupted("pos", (c) => {
        const pos = (seq: number) => c.query("SELECT pos FROM events WHERE stream = 'room:lobby' AND seq = ?").get(seq) as { pos: number };
        const [p8, p9] = [pos(8).pos, pos(9).pos];
        c.run("UPDATE events SET pos = -1 WHERE stream = 'room:lobby' AND seq = 8");
        c.run("UPDATE events SET pos = ? WHERE stream = 'room:lobby' AND seq = 9", [p8]);
        c.run("UPDATE events SET pos = ? WHERE stream = 'room:lobby' AND seq = 8", [p9]);
      });
      expect(report.problems).toEqual([expect.stringMatching(/^room:lobby: positions not increasing: #8 at pos \d+, #9 at pos \d+$/)]);
    });

    test("a body that is not JSON, and a stream that lost its first events", () => {
      const { report } = corrupted("body", (c) => {
        c.run("UPDATE events SET body = '{broken' WHERE stream = 'room:lobby' AND seq = 3");
        c.run("DELETE FROM events WHERE stream LIKE 'dm:%' AND seq = 1");
      });
      // The DM's first event is what puts it in both users' lists: the snapshot has it, a replay cannot.
      expect(report.problems).toEqual([
        "dm:amy:bob: starts at #2, #1 missing",
        expect.stringMatching(/^room:lobby#3 \(pos \d+\): body is not JSON$/),
        expect.stringMatching(/^the snapshot at pos \d+ differs from a replay of the log: amy takes part in dm:amy:bob: 1 in the snapshot, absent in the replay$/),
        expect.stringMatching(/^the snapshot at pos \d+ differs from a replay of the log: bob takes part in dm:amy:bob: 1 in the snapshot, absent in the replay$/),
      ]);
    });

    test("a snapshot that does not match a replay of the log", () => {
      const { report } = corrupted("snapshot", (c) => {
        const { data } = c.query("SELECT data FROM snapshots WHERE name = 'projection'").get() as { data: string };
        const s = JSON.parse(data) as { rooms: [string, [string, number][]][] };
        s.rooms = s.rooms.map(([r, m]) => [r, r === "lobby" ? m.filter(([u]) => u !== "bob") : m]);
        c.run("UPDATE snapshots SET data = ? WHERE name = 'projection'", [JSON.stringify(s)]);
      });
      expect(report.problems).toEqual([expect.stringMatching(/^the snapshot at pos \d+ differs from a replay of the log: room lobby: member bob \(joined at seq\): absent in the snapshot, 2 in the replay$/)]);
    });

    test("a room that retention pruned is a note, not a problem, and its snapshot is not compared", () => {
      const { report } = corrupted("pruned", (c) => c.run("DELETE FROM events WHERE stream = 'room:lobby' AND seq <= 2"));
      expect(report.problems).toEqual([]);
      expect(report.notes).toContain("room:lobby keeps #3..#12: older events were pruned by retention");
      expect(report.notes.some((n) => n.includes("is not compared: retention pruned events"))).toBe(true);
    });

    test("as a process: each problem on its own line, exit code 1", async () => {
      const { path } = corrupted("process", (c) => c.run("DELETE FROM events WHERE stream = 'room:lobby' AND seq = 6"));
      const r = await ops(["log", "verify", "--db", path]);
      expect(r.code).toBe(1);
      expect(r.out).toContain("problem: room:lobby: gap in seqs: #6 missing between #5 and #7\n");
      expect(r.out).toMatch(/^1 problem found in \d+ events in \d+ streams, last pos \d+$/m);
    }, 30_000);
  });
});

test("usage mistakes exit 2, a missing or foreign database exits 1, each in one line", async () => {
  expect(await ops(["log"])).toMatchObject({ code: 2, err: "" });
  expect(await ops(["log", "frob"])).toMatchObject({ code: 2, err: 'hubbub: usage: unknown log command "frob": verify, export or stats (see hubbub log --help)\n' });
  expect(await ops(["log", "stats", "--force"])).toMatchObject({ code: 2, err: "hubbub: usage: log stats has no --force option (see hubbub log stats --help)\n" });
  const nowhere = join(dirname(tempDb()), "none.db");
  expect(await ops(["log", "verify", "--db", nowhere])).toMatchObject({ code: 1, out: "", err: `hubbub: error: no database at ${nowhere} (give --db PATH or set HUBBUB_DB)\n` });
  const foreign = join(dirname(nowhere), "foreign.db");
  await Bun.write(foreign, "this is not SQLite at all, just text long enough to look like a header....................................");
  const r = await ops(["log", "stats", "--db", foreign]);
  expect(r.code).toBe(1);
  expect(r.err).toStartWith(`hubbub: error: ${foreign} is not an SQLite database (`);
  expect(r.err.trimEnd().split("\n")).toHaveLength(1);
}, 30_000);
