/**
 * Browser-test harness (runs under Node with node:test): spawns hubbub as a Bun subprocess on a
 * free port with a temp database, and launches Debian's Chromium through playwright-core.
 * No browser is ever downloaded.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";

/**
 * The time limit of one test (one user story). Limits sit on single tests and single waits, never on a
 * whole file: node's `--test-timeout` also times each file's implicit top-level test, so on a loaded
 * machine it cancelled every test after the first slow ones. Playwright waits keep their own 30 s limit.
 */
export const PER_TEST = { timeout: 180_000 } as const;

export const ROOT = new URL("../..", import.meta.url).pathname;
export const BUN = join(ROOT, "node_modules", ".bin", "bun");

export interface Server { url: string; port: number; db: string; proc: ChildProcessWithoutNullStreams; stop(): Promise<void> }

/** Starts a server; pass `at` (a stopped server's port and database) to restart that server. */
export function startServer(extra: string[] = [], at: { port: number; db: string } | undefined = undefined): Promise<Server> {
  const db = at?.db ?? join(mkdtempSync(join(tmpdir(), "hubbub-e2e-")), "hubbub.db");
  const proc = spawn(BUN, ["run", "src/main.ts", "--port", String(at?.port ?? 0), "--db", db, "--presence-grace-ms", "0", ...extra], { cwd: ROOT });
  process.once("exit", () => proc.kill("SIGKILL")); // never leave a server behind, even when a test run is cut short
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    proc.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^hubbub listening on (http:\/\/\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!, port: Number(new URL(m[1]!).port), db, proc,
          stop: () => new Promise((r) => { proc.once("exit", () => r()); proc.kill("SIGTERM"); }),
        });
      }
    });
    proc.stderr.on("data", (d: Buffer) => { out += d.toString(); });
    proc.once("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** Runs the CLI (under Bun) and returns its output. */
export function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(BUN, ["run", "src/cli/main.ts", ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => { out += d.toString(); });
    p.stderr.on("data", (d: Buffer) => { err += d.toString(); });
    // A CLI that hangs must fail its test, not hold the whole run open.
    const timer = setTimeout(() => { err += `\n(killed after ${CLI_TIMEOUT_MS} ms)`; p.kill("SIGKILL"); }, CLI_TIMEOUT_MS);
    p.once("exit", (code) => { clearTimeout(timer); resolve({ code: code ?? -1, out, err }); });
  });
}

const CLI_TIMEOUT_MS = 60_000;
