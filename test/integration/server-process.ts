/**
 * Runs `bun run src/main.ts` as its own process, as an operator would: either until it exits
 * (to see how it refuses to start) or until it prints its first line (to hold a port or a database).
 */
import type { Subprocess } from "bun";
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;
const MAIN = join(ROOT, "src/main.ts");

export interface RunOptions {
  cwd?: string;
  /** Run as an unprivileged user (uid 65534 through setpriv) when the tests run as root, as CI does. */
  unprivileged?: boolean;
  env?: Record<string, string>;
  /** A command the server is run under, e.g. ["sh", "-c", "trap '' XFSZ; exec \"$@\"", "sh"]. */
  wrap?: string[];
  /** startProcess: stdout lines to wait for before resolving (default 2: listening + data). */
  lines?: number;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** A temp dir every user can enter (the server may run unprivileged). */
export function openTempDir(prefix = "hubbub-ops-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(d, 0o755);
  return d;
}

function command(args: string[], o: RunOptions): { cmd: string[]; env: Record<string, string | undefined> } {
  const cmd = [...(o.wrap ?? []), process.execPath, "run", MAIN, ...args];
  const env: Record<string, string | undefined> = { ...process.env, ...o.env };
  if (o.unprivileged && isRoot()) {
    // Root ignores file modes, so "unwritable" needs another user to mean anything.
    const home = mkdtempSync(join(tmpdir(), "hubbub-home-"));
    chmodSync(home, 0o777);
    env.HOME = home;
    return { cmd: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", ...cmd], env };
  }
  return { cmd, env };
}

export interface Exited { code: number; stdout: string; stderr: string }

/** Runs the server until it exits on its own (it is expected to refuse to start). */
export async function runUntilExit(args: string[], o: RunOptions = {}, timeoutMs = 20_000): Promise<Exited> {
  const { cmd, env } = command(args, o);
  const proc = Bun.spawn(cmd, { cwd: o.cwd ?? ROOT, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill(9), timeoutMs);
  try {
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

export interface Running {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  port: number;
  url: string;
  /** Every stdout line so far (start-up lines). */
  lines: string[];
  kill(signal?: number): Promise<void>;
}

/**
 * Starts the server and resolves once it prints its start-up lines; rejects with what it
 * printed if it exits first.
 */
export async function startProcess(args: string[], o: RunOptions = {}, timeoutMs = 20_000): Promise<Running> {
  const { cmd, env } = command(args, o);
  const proc = Bun.spawn(cmd, { cwd: o.cwd ?? ROOT, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const reader = proc.stdout.getReader();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  // The "data:" line is the second one: wait for both so a test can read it.
  while (text.split("\n").length < (o.lines ?? 2) + 1) {
    if (Date.now() > deadline) { proc.kill(9); throw new Error(`server did not start in time: ${text}`); }
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited (${await proc.exited}): ${text}${await new Response(proc.stderr).text()}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const lines = text.split("\n");
  const m = /^hubbub listening on (http:\/\/.+:(\d+))$/.exec(lines[0]!);
  if (!m) { proc.kill(9); throw new Error(`unexpected first line: ${lines[0]}`); }
  return {
    proc, port: Number(m[2]), url: m[1]!, lines,
    async kill(signal = 9) { proc.kill(signal); await proc.exited; },
  };
}

/** A port that was free a moment ago. */
export function freePort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

/**
 * One cluster node on the PostgreSQL store `store`, its replica in `dir`, waiting for its four
 * start-up lines (listening, data, web client, cluster). Limits that would make a test measure
 * throttling instead of behaviour are off; `extra` flags come last and win.
 */
export function startClusterNode(store: string, dir: string, id: string, extra: string[] = [], timeoutMs = 30_000): Promise<Running> {
  return startProcess([
    "--store", store, "--node-id", id, "--port", "0", "--db", join(dir, `${id}.db`),
    "--rate-limit", "0", "--connect-rate-limit", "0", "--presence-grace-ms", "0", "--log-level", "warn",
    ...extra,
  ], { lines: 4 }, timeoutMs);
}
