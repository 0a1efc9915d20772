/**
 * Disk full, against a real server process: clients get the retryable `store_unavailable`,
 * /health and /ready answer 503 while commits fail, the server recovers by itself when space
 * returns, and no acknowledged message is lost (checked after a kill -9 and a restart).
 *
 * The full disk is a small tmpfs when this process may mount one (CI runs as root). Where
 * mounting is refused (a container without CAP_SYS_ADMIN), the server runs with SIGXFSZ ignored
 * and its file-size limit lowered with prlimit(1), so its writes fail with EFBIG, which SQLite
 * reports as an I/O error; raising the limit again is "space returns". Either way the process
 * under test is the real server and the failure comes from the kernel.
 * HUBBUB_TEST_DISK=rlimit forces the second way (to test it on a machine that can mount).
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AckFrame, ErrorFrame, EventFrame } from "../../src/protocol/index.ts";
import { TestClient } from "./harness.ts";
import { type Running, startProcess } from "./server-process.ts";

interface SmallDisk {
  dir: string;
  how: string;
  /** Options for the server process. */
  wrap?: string[];
  /** Makes writes fail from now on (the server is running as `pid`). */
  fill(pid: number): void;
  /** Gives the space back. */
  free(pid: number): void;
  cleanup(): void;
}

const run = (cmd: string[]) => {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString()}`);
};

function smallDisk(): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), "hubbub-disk-"));
  const mounted = process.env.HUBBUB_TEST_DISK !== "rlimit"
    && Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir], { stderr: "pipe" }).exitCode === 0;
  if (mounted) {
    const filler = join(dir, "filler");
    return {
      dir, how: "a 4 MB tmpfs",
      fill() {
        // Leave 256 KB: the server's next few dozen commits fit, then the WAL cannot grow.
        const fs = statfsSync(dir);
        writeFileSync(filler, Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - 256 * 1024)));
      },
      free() { rmSync(filler); },
      cleanup() { Bun.spawnSync(["umount", "-l", dir]); rmSync(dir, { recursive: true, force: true }); },
    };
  }
  return {
    dir, how: "a lowered file-size limit (prlimit), SIGXFSZ ignored",
    wrap: ["sh", "-c", "trap '' XFSZ; exec \"$@\"", "sh"],
    fill(pid) {
      const wal = statSync(join(dir, "hubbub.db-wal")).size;
      run(["prlimit", "--pid", String(pid), `--fsize=${wal + 256 * 1024}:`]);
    },
    free(pid) { run(["prlimit", "--pid", String(pid), "--fsize=unlimited:"]); },
    cleanup() { rmSync(dir, { recursive: true, force: true }); },
  };
}

const servers: Running[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.kill();
  for (const c of cleanups.splice(0)) c();
});

async function status(url: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url + path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Polls an endpoint until it answers `want` (the server's recovery probe runs every second). */
async function until(url: string, path: string, want: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(url, path);
    if (s.status === want) return;
    if (Date.now() > deadline) throw new Error(`${path} still ${s.status}: ${JSON.stringify(s.body)}`);
    await Bun.sleep(100);
  }
}

test("disk full: store_unavailable (retryable), /health and /ready 503, recovery when space returns, no acked message lost", async () => {
  const disk = smallDisk();
  cleanups.push(() => disk.cleanup());
  const db = join(disk.dir, "hubbub.db");
  const args = ["--port", "0", "--db", db, "--rate-limit", "0"];
  const server = await startProcess(args, { wrap: disk.wrap });
  servers.push(server);
  const alice = await TestClient.connect(server.url, "alice");
  expect((await alice.request({ type: "join", room: "lobby" })).type).toBe("ack");
  expect((await status(server.url, "/ready")).status).toBe(200);

  disk.fill(server.proc.pid);
  const acked = new Map<string, number>(); // cmid -> seq
  const text = "x".repeat(3000);
  let refused: ErrorFrame | undefined;
  let refusedCmid = "";
  for (let i = 0; i < 2000 && !refused; i++) {
    const cmid = `m${String(i).padStart(5, "0")}`;
    const reply = await alice.request({ type: "send", to: { room: "lobby" }, cmid, text });
    if (reply.type === "ack") acked.set(cmid, (reply as AckFrame).seq);
    else { refused = reply as ErrorFrame; refusedCmid = cmid; }
  }
  expect(refused?.code, `no refusal with ${disk.how}`).toBe("store_unavailable");
  expect(acked.size).toBeGreaterThan(0);

  const health = await status(server.url, "/health");
  expect(health.status).toBe(503);
  expect(health.body).toMatchObject({ status: "degraded", storage: { failingSince: expect.any(String) } });
  const ready = await status(server.url, "/ready");
  expect(ready.status).toBe(503);
  expect(ready.body).toMatchObject({ status: "not_ready" });
  // Still full: the same send is refused the same way, and the connection stays open.
  expect(((await alice.request({ type: "send", to: { room: "lobby" }, cmid: refusedCmid, text })) as ErrorFrame).code).toBe("store_unavailable");

  disk.free(server.proc.pid);
  await until(server.url, "/ready", 200); // nobody sends: the server's own probe notices
  expect((await status(server.url, "/health")).body).toMatchObject({ status: "ok" });
  const retried = await alice.request({ type: "send", to: { room: "lobby" }, cmid: refusedCmid, text });
  expect(retried.type).toBe("ack");
  acked.set(refusedCmid, (retried as AckFrame).seq);
  alice.close();

  // kill -9 and restart on the same files: everything acknowledged is there, in order, no gap.
  await server.kill(9);
  servers.splice(0);
  const again = await startProcess(args, { wrap: disk.wrap });
  servers.push(again);
  const reader = await TestClient.connect(again.url, "alice", { cursors: { "room:lobby": 0 } });
  const messages = reader.events("room:lobby").filter((e: EventFrame) => e.kind === "message");
  const bySeq = new Map(messages.map((e) => [e.seq, e.cmid]));
  for (const [cmid, seq] of acked) expect(bySeq.get(seq)).toBe(cmid);
  const seqs = reader.events("room:lobby").map((e) => e.seq);
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  expect(messages).toHaveLength(acked.size);
  reader.close();
}, 120_000);
