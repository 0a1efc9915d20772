/**
 * Start-up refusals (issue 9), each against real processes: a taken port, a database held by
 * another server, and files SQLite cannot use. Each refusal is one line on stderr, no stack,
 * exit code 1 (2 for a usage mistake).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { type Exited, type Running, freePort, openTempDir, runUntilExit, startProcess } from "./server-process.ts";

const SLOW = 60_000;
const running: Running[] = [];
afterEach(async () => { for (const r of running.splice(0)) await r.kill(); });
const keep = (r: Running) => (running.push(r), r);

/** The one line a refusal prints, checked to be alone and free of stack frames. */
function refusal(r: Exited, exitCode: number): string {
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: exitCode, stdout: "" });
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toStartWith("hubbub: ");
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe("one server per port", () => {
  test("a second server on a taken port exits 1 with 'port N is in use', and the first keeps it alone", async () => {
    const dir = openTempDir();
    const first = keep(await startProcess(["--port", "0", "--db", join(dir, "a.db")]));
    const second = await runUntilExit(["--port", String(first.port), "--db", join(dir, "b.db")]);
    expect(refusal(second, 1)).toStartWith(`hubbub: port ${first.port} is in use`);
    const health = (await (await fetch(`${first.url}/health`)).json()) as { status: string };
    expect(health.status).toBe("ok");
  }, SLOW);

  test("--reuse-port does not let a server in beside one that did not ask to share", async () => {
    const dir = openTempDir();
    const port = freePort();
    keep(await startProcess(["--port", String(port), "--db", join(dir, "a.db")]));
    const shared = await runUntilExit(["--port", String(port), "--db", join(dir, "b.db"), "--reuse-port"]);
    expect(refusal(shared, 1)).toStartWith(`hubbub: port ${port} is in use`);
  }, SLOW);

  test("servers that all pass --reuse-port share the port on purpose", async () => {
    const dir = openTempDir();
    const port = freePort();
    const a = keep(await startProcess(["--port", String(port), "--db", join(dir, "a.db"), "--reuse-port"]));
    const b = keep(await startProcess(["--port", String(port), "--db", join(dir, "b.db"), "--reuse-port"]));
    expect([a.port, b.port]).toEqual([port, port]);
  }, SLOW);

  test("two servers started at the same moment on one free port: exactly one of them gets it", async () => {
    const dir = openTempDir();
    for (let round = 0; round < 3; round++) {
      const port = String(freePort());
      const outcomes = await Promise.allSettled([0, 1].map((i) => startProcess(["--port", port, "--db", join(dir, `r${round}-${i}.db`)])));
      const won = outcomes.filter((o): o is PromiseFulfilledResult<Running> => o.status === "fulfilled").map((o) => keep(o.value));
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
      expect(won).toHaveLength(1);
      expect(String(lost[0]?.reason)).toContain(`port ${port} is in use`);
      for (const w of running.splice(0)) await w.kill();
    }
  }, SLOW);
});

describe("one server per database file", () => {
  test("a second server on the same file exits 1 naming the file and the holder; kill -9 of the holder frees it", async () => {
    const dir = openTempDir();
    const db = join(dir, "shared.db");
    const first = keep(await startProcess(["--port", "0", "--db", db]));
    const line = refusal(await runUntilExit(["--port", "0", "--db", db]), 1);
    expect(line).toContain(db);
    expect(line).toContain(`pid ${first.proc.pid} on ${hostname()}`);
    // The holder is recorded in the sidecar lock file, not in the database.
    expect(JSON.parse(readFileSync(`${db}.lock`, "utf8"))).toMatchObject({ pid: first.proc.pid, host: hostname() });
    await first.kill(9);
    running.splice(0);
    const next = keep(await startProcess(["--port", "0", "--db", db]));
    expect(next.lines[1]).toStartWith(`data: ${db} `);
  }, SLOW);

  test("the lock is the same whichever relative path names the file", async () => {
    const dir = openTempDir();
    keep(await startProcess(["--port", "0", "--db", "x/h.db"], { cwd: dir }));
    const line = refusal(await runUntilExit(["--port", "0", "--db", "./x/../x/h.db"], { cwd: dir }), 1);
    expect(line).toContain(join(dir, "x/h.db"));
  }, SLOW);

  test("in-memory servers take no lock", async () => {
    keep(await startProcess(["--port", "0", "--db", ":memory:"]));
    keep(await startProcess(["--port", "0", "--db", ":memory:"]));
  }, SLOW);
});

describe("files SQLite cannot use are refused in one line (exit 1)", () => {
  const cases: [string, (dir: string) => string, RegExp][] = [
    ["a directory where the database file should be", (dir) => { mkdirSync(join(dir, "db")); return join(dir, "db"); }, /is a directory, not a database file/],
    ["a file that is not SQLite", (dir) => { writeFileSync(join(dir, "notes.db"), "shopping list: milk, eggs\n".repeat(100)); return join(dir, "notes.db"); }, /is not an SQLite database/],
    ["a corrupt SQLite file (right header, garbage after it)", (dir) => {
      const bytes = Buffer.alloc(8192, 0xa5);
      bytes.write("SQLite format 3\0", 0, "latin1");
      writeFileSync(join(dir, "broken.db"), bytes);
      return join(dir, "broken.db");
    }, /is (damaged|not an SQLite database)/],
    ["a file in the way of the data directory", (dir) => { writeFileSync(join(dir, "data"), "x"); return join(dir, "data/hubbub.db"); }, /cannot create the data directory .*data: part of that path is a file/],
  ];
  for (const [what, make, message] of cases) {
    test(what, async () => {
      const dir = openTempDir();
      const db = make(dir);
      expect(refusal(await runUntilExit(["--port", "0", "--db", db]), 1)).toMatch(message);
    }, SLOW);
  }

  test("an unwritable data directory", async () => {
    const dir = openTempDir();
    mkdirSync(join(dir, "ro"));
    chmodSync(join(dir, "ro"), 0o555);
    const line = refusal(await runUntilExit(["--port", "0", "--db", join(dir, "ro/hubbub.db")], { unprivileged: true }), 1);
    expect(line).toBe(`hubbub: the data directory ${join(dir, "ro")} is not writable (permission denied): SQLite creates its -wal and -shm files beside the database, so make the directory writable by this user, or choose another --db`);
  }, SLOW);

  test("a data directory that cannot be created", async () => {
    const dir = openTempDir();
    chmodSync(dir, 0o555);
    const line = refusal(await runUntilExit(["--port", "0", "--db", join(dir, "new/hubbub.db")], { unprivileged: true }), 1);
    expect(line).toStartWith(`hubbub: cannot create the data directory ${join(dir, "new")} (permission denied)`);
  }, SLOW);

  test("a read-only database", async () => {
    const dir = openTempDir();
    const db = join(dir, "hubbub.db");
    const made = keep(await startProcess(["--port", "0", "--db", db]));
    await made.kill(15);
    running.splice(0);
    chmodSync(dir, 0o777); // the directory is writable; only the file is not
    chmodSync(db, 0o444);
    const line = refusal(await runUntilExit(["--port", "0", "--db", db], { unprivileged: true }), 1);
    expect(line).toStartWith(`hubbub: the database ${db} is read-only`);
  }, SLOW);
});

test("a --host that is not an address of this machine is one line, exit 1, whatever the port", async () => {
  const secret = ["--jwt-secret", "x".repeat(40)];
  for (const port of ["0", String(freePort())]) {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a machine.
    const line = refusal(await runUntilExit(["--host", "192.0.2.1", "--port", port, "--db", ":memory:", ...secret]), 1);
    expect(line).toStartWith(`hubbub: cannot listen on 192.0.2.1:${port}: 192.0.2.1 is not an address of this machine`);
  }
}, SLOW);

test("a lock file another user owns (e.g. left by a server run as root) is one line naming it", async () => {
  const dir = openTempDir();
  const db = join(dir, "hubbub.db");
  const made = keep(await startProcess(["--port", "0", "--db", db]));
  await made.kill(15);
  running.splice(0);
  chmodSync(dir, 0o777);
  chmodSync(db, 0o666);
  chmodSync(`${db}.lock`, 0o444); // not writable by the unprivileged user (nor by its owner, when the tests do not run as root)
  const line = refusal(await runUntilExit(["--port", "0", "--db", db], { unprivileged: true }), 1);
  expect(line).toStartWith(`hubbub: cannot open the lock file ${db}.lock (EACCES): make it and its directory writable by this user`);
}, SLOW);

describe("usage mistakes exit 2", () => {
  test("an unknown flag", async () => {
    expect(refusal(await runUntilExit(["--no-such-flag"]), 2)).toContain("no-such-flag");
  }, SLOW);

  test("dev auth on a non-loopback host, unless --insecure-dev-on-network", async () => {
    const line = refusal(await runUntilExit(["--host", "0.0.0.0", "--port", "0", "--db", ":memory:"]), 2);
    expect(line).toContain("--insecure-dev-on-network");
    keep(await startProcess(["--host", "0.0.0.0", "--port", "0", "--db", ":memory:", "--insecure-dev-on-network"]));
    keep(await startProcess(["--host", "0.0.0.0", "--port", "0", "--db", ":memory:", "--jwt-secret", "a-secret-for-the-network-32-bytes-long"]));
  }, SLOW);
});

test("the start-up lines print the data path absolute", async () => {
  const dir = openTempDir();
  const r = keep(await startProcess(["--port", "0", "--db", "./data/hubbub.db"], { cwd: dir }));
  expect(r.lines[1]).toStartWith(`data: ${resolve(dir, "data/hubbub.db")} (`);
}, SLOW);
