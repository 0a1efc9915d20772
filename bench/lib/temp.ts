/** Temporary databases: each in its own directory (SQLite adds -wal and -shm beside it), all removed when the run ends. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dirs: string[] = [];

export function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), "hubbub-bench-"));
  dirs.push(dir);
  return join(dir, "bench.db");
}

/** Removes every directory tempDb made (a 1M-event log is a few hundred MB). */
export function removeTempDbs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
