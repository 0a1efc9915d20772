import { expect, test } from "bun:test";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileStorage } from "./storage-file.ts";

const mode = (p: string) => statSync(p).mode & 0o777;

test("the CLI's state file (cursors, unsent messages) is written 0600", () => {
  const path = join(mkdtempSync(join(tmpdir(), "hubbub-modes-")), "state", "alice.json");
  fileStorage(path).save({ cursors: { "dm:a:b": 3 }, outbox: [] } as never);
  expect(mode(path).toString(8)).toBe("600");
});
