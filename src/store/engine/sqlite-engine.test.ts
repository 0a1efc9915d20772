/**
 * The SQLite engine shared by several processes on one file (one host, local disk): BEGIN
 * IMMEDIATE serialises their appends, and each revalidates its cached heads with PRAGMA
 * data_version, so seqs and positions stay gapless and unique and a tailer in a third process sees
 * every event once, in order.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openBunSqliteEngine } from "../sqlite/bun-sqlite.ts";
import { checkLog, readAll, SLOW } from "./engine.contract.ts";
import type { StoredEvent } from "./engine.ts";
import { startTailer } from "./tailer.ts";

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`writers not ready after ${timeoutMs} ms`);
    await Bun.sleep(10);
  }
}

const writer = new URL("./testing/sqlite-writer.ts", import.meta.url).pathname;

test("two writer processes and a tailer on one file: gapless, unique seqs and positions, every ack delivered once in order", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hubbub-shared-"));
  const path = join(dir, "log.db");
  const engine = openBunSqliteEngine({ path });
  const got: StoredEvent[] = [];
  const tailer = startTailer(engine, { afterPos: 0, pollMs: 20, onBatch: (b) => { got.push(...b); } });
  try {
    const run = (id: string) => {
      const p = Bun.spawn([process.execPath, "run", writer, path, id, "60"], { stdout: "pipe", stderr: "pipe" });
      return Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]).then(([out, err, code]) => {
        if (code !== 0) throw new Error(`writer ${id} exited ${code}: ${err}`);
        return JSON.parse(out) as StoredEvent[];
      });
    };
    const runs = [run("a"), run("b")];
    // Start both at once (they wait for the go file), so their transactions really interleave.
    await until(() => existsSync(`${path}.ready-a`) && existsSync(`${path}.ready-b`), 30_000);
    writeFileSync(`${path}.go`, "");
    const acked = (await Promise.all(runs)).flat();
    expect(acked.length).toBe(2 * 180); // 60 batches of 1..5 events each: 12 × 15 per writer
    const log = await readAll(engine, 100);
    checkLog(log);
    expect(log.length).toBe(acked.length);
    for (const e of acked) expect(log[e.pos - 1]).toEqual(e);
    // The writers really interleaved (each one's cached heads went stale again and again).
    const switches = log.filter((e, i) => i > 0 && e.author !== log[i - 1]!.author).length;
    expect(switches).toBeGreaterThan(4);
    await tailer.waitFor(log.length, 20_000);
    expect(got).toEqual(log);
  } finally {
    await tailer.stop();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, SLOW);
