/** `hubbub restore BACKUP`: only with the server stopped, the old database kept aside, a new epoch. */
import { expect, test } from "bun:test";
import { chownSync, existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { TestClient, tempDb } from "./harness.ts";
import { ops } from "./ops-process.ts";
import { spawnServer } from "./process.ts";

const health = async (url: string) => (await (await fetch(`${url}/health`)).json()) as { epoch: string; lastPos: number };

test("restore refuses while a server runs, then replaces the database with the backup under a new epoch", async () => {
  const db = tempDb();
  const dir = dirname(db);
  const backupPath = join(dir, "backup.db");
  const first = await spawnServer(["--port", "0", "--db", db]);
  let before: { epoch: string; lastPos: number };
  try {
    const amy = await TestClient.connect(first.url, "amy");
    await amy.request({ type: "join", room: "r" });
    await amy.request({ type: "send", to: { room: "r" }, cmid: "kept", text: "in the backup" });
    expect((await ops(["backup", backupPath, "--db", db])).code).toBe(0);
    await amy.request({ type: "send", to: { room: "r" }, cmid: "lost", text: "after the backup" });
    amy.close();
    before = await health(first.url);

    const refused = await ops(["restore", backupPath, "--db", db, "--force"]);
    expect(refused.code).toBe(1);
    expect(refused.err).toStartWith(`hubbub: error: database ${db} is in use by another hubbub (pid `);
    expect(refused.err).toEndWith(": stop that server first\n");
  } finally {
    first.proc.kill("SIGTERM");
    await first.proc.exited;
  }

  // Restored by root, the file keeps the owner of the one it replaces (the server's user).
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(db, 10001, 10001);
  expect(await ops(["restore", backupPath, "--db", db])).toMatchObject({ code: 1, err: `hubbub: error: ${db} exists: restoring replaces it (it is kept aside); add --force\n` });
  const done = await ops(["restore", backupPath, "--db", db, "--force"]);
  expect(done.err).toBe("");
  expect(done.code).toBe(0);
  expect(done.out).toMatch(new RegExp(`^restored ${db} from ${backupPath}: \\d+ events up to pos \\d+, new epoch [0-9a-f-]{36} \\(clients start afresh\\)\\n`));
  const aside = /kept at (\S+)\n$/.exec(done.out)?.[1];
  expect(aside && existsSync(aside)).toBe(true);
  expect(statSync(db).mode & 0o777).toBe(0o600);
  if (asRoot) expect([statSync(db).uid, statSync(db).gid]).toEqual([10001, 10001]);
  expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  expect((await ops(["log", "verify", "--db", db])).code).toBe(0);

  const second = await spawnServer(["--port", "0", "--db", db]);
  try {
    const after = await health(second.url);
    expect(after.epoch).not.toBe(before.epoch);
    expect(after.lastPos).toBe(before.lastPos - 1);
    const amy = await TestClient.connect(second.url, "amy");
    const history = await amy.request({ type: "history", stream: "room:r", limit: 10 });
    const cmids = JSON.stringify(history);
    expect(cmids).toContain('"kept"');
    expect(cmids).not.toContain('"lost"');
    amy.close();
  } finally {
    second.proc.kill("SIGTERM");
    await second.proc.exited;
  }
  // The replaced database is whole: it still has the event the backup missed.
  const old = await ops(["log", "export", "--db", aside!, "--stream", "room:r"]);
  expect(old.out).toContain('"cmid":"lost"');
}, 60_000);
