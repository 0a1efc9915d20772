import { expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openEventLog } from "../open-log.ts";

const mode = (p: string) => statSync(p).mode & 0o777;

test("a new database and its -wal and -shm files are created 0600 (the log holds every DM), in a new 0700 directory", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "hubbub-modes-")), "data");
  const path = join(dir, "hubbub.db");
  const log = await openEventLog({ path, synchronous: "NORMAL" });
  try {
    log.append([{ stream: "dm:a:b", author: "a", kind: "message", body: { text: "secret" }, cmid: "c1", at: 1 }]);
    for (const p of [path, `${path}-wal`, `${path}-shm`]) {
      expect(existsSync(p)).toBe(true);
      expect({ p, mode: mode(p).toString(8) }).toEqual({ p, mode: "600" });
    }
    expect(mode(dir).toString(8)).toBe("700");
  } finally {
    log.close();
  }
});

test("an existing database keeps the mode its operator gave it", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "hubbub-modes-")), "hubbub.db");
  writeFileSync(path, "");
  chmodSync(path, 0o640);
  const log = await openEventLog({ path, synchronous: "NORMAL" });
  log.close();
  expect(mode(path).toString(8)).toBe("640");
});
