/** `hubbub backup PATH` against a live server process that a writer keeps busy. */
import { expect, test } from "bun:test";
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { AckFrame } from "../../src/protocol/index.ts";
import { TestClient, tempDb } from "./harness.ts";
import { ops } from "./ops-process.ts";
import { spawnServer } from "./process.ts";

const cmidsIn = (ndjson: string) => new Set(ndjson.trim().split("\n").map((l) => (JSON.parse(l) as { cmid?: string }).cmid));

test("a backup taken while a writer keeps sending opens, passes log verify and holds every event acked before it started", async () => {
  const db = tempDb();
  const dir = dirname(db);
  const target = join(dir, "backup.db");
  const server = await spawnServer(["--port", "0", "--db", db, "--rate-limit", "0"]);
  try {
    const writer = await TestClient.connect(server.url, "writer");
    await writer.request({ type: "join", room: "busy" });
    // cmid c<i> becomes seq i + 2 (the join is seq 1). At most 200 sends are unacknowledged at a time.
    let sent = 0;
    const acked = () => writer.frames.filter((f): f is AckFrame => f.type === "ack" && f.stream === "room:busy" && f.seq >= 2);
    const ackedSeq = (seq: number) => (f: { type: string }) => f.type === "ack" && (f as AckFrame).seq >= seq;
    const pump = setInterval(() => {
      const inFlight = sent - acked().length;
      for (let i = inFlight; i < 200; i++) writer.send({ type: "send", to: { room: "busy" }, cmid: `c${sent}`, text: `m${sent++}` });
    }, 10);
    await writer.waitFor(ackedSeq(201), 10_000);

    const ackedBefore = acked().map((a) => `c${a.seq - 2}`);
    const made = await ops(["backup", target, "--db", db]);
    const sentDuringBackup = sent;
    await writer.waitFor(ackedSeq(sentDuringBackup + 100), 10_000); // the writer goes on being served
    clearInterval(pump);
    const last = sent - 1;
    await writer.waitFor(ackedSeq(last + 2), 10_000);
    writer.close();

    expect(made.err).toBe("");
    expect(made.code).toBe(0);
    expect(made.out).toStartWith(`backup written to ${target}: `);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    const verified = await ops(["log", "verify", "--db", target]);
    expect(verified).toMatchObject({ code: 0, err: "" });
    expect(verified.out).toContain("ok: ");
    const kept = cmidsIn((await ops(["log", "export", "--db", target, "--stream", "room:busy"])).out);
    expect(ackedBefore.length).toBeGreaterThanOrEqual(200);
    expect(ackedBefore.filter((c) => !kept.has(c))).toEqual([]);
    expect(acked().length).toBe(sent);

    // An existing file is never replaced without --force, and no temporary file is left behind.
    const before = statSync(target);
    const refused = await ops(["backup", target, "--db", db]);
    expect(refused).toMatchObject({ code: 1, out: "" });
    expect(refused.err).toBe(`hubbub: error: ${target} exists (add --force to replace it)\n`);
    expect(statSync(target).mtimeMs).toBe(before.mtimeMs);
    const forced = await ops(["backup", target, "--db", db, "--force"]);
    expect(forced.code).toBe(0);
    const all = cmidsIn((await ops(["log", "export", "--db", target, "--stream", "room:busy"])).out);
    expect(all.has(`c${last}`)).toBe(true);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
  } finally {
    server.proc.kill("SIGTERM");
    await server.proc.exited;
  }
}, 60_000);

test("backup refuses what it cannot do in one line: no database, a missing directory, the database itself", async () => {
  const db = tempDb();
  const dir = dirname(db);
  const missing = await ops(["backup", join(dir, "b.db"), "--db", db]);
  expect(missing).toMatchObject({ code: 1, err: `hubbub: error: no database at ${db} (give --db PATH or set HUBBUB_DB)\n` });
  const server = await spawnServer(["--port", "0", "--db", db]);
  try {
    const noDir = await ops(["backup", join(dir, "nope", "b.db"), "--db", db]);
    expect(noDir).toMatchObject({ code: 1, err: `hubbub: error: directory ${join(dir, "nope")} does not exist (create it first)\n` });
    const itself = await ops(["backup", db, "--db", db, "--force"]);
    expect(itself.code).toBe(1);
    expect(itself.err).toContain("is the database itself");
    expect(await ops(["backup", "--db", db])).toMatchObject({ code: 2, err: "hubbub: usage: backup needs a PATH to write to (see hubbub backup --help)\n" });
  } finally {
    server.proc.kill("SIGTERM");
    await server.proc.exited;
  }
}, 30_000);
