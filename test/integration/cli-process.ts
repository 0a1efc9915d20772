/**
 * Runs the CLI the way a user does: `bun run src/cli/main.ts ...` as a child process, with its
 * own config dir and none of the caller's HUBBUB_* variables. `cli()` runs one command to the
 * end; `CliProcess` keeps one running (chat, tail --follow) to type into and read from.
 * HUBBUB_TEST_CLI_RUNTIME=deno runs the same CLI under Deno instead (`npm run test:deno`), with
 * the permissions the README gives it; the servers stay on Bun.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const root = new URL("../..", import.meta.url).pathname;

export const tempDir = (): string => mkdtempSync(join(tmpdir(), "hubbub-cli-"));

function childEnv(configDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("HUBBUB_")) env[k] = v;
  return { ...env, XDG_CONFIG_HOME: configDir };
}

/** The command line that starts the CLI, before its own arguments. */
export const CLI_COMMAND: string[] = process.env.HUBBUB_TEST_CLI_RUNTIME === "deno"
  ? [`${root}node_modules/.bin/deno`, "run", "--allow-net", "--allow-read", "--allow-write", "--allow-env", "src/cli/main.ts"]
  : [process.execPath, "run", "src/cli/main.ts"];

const spawnCli = <I extends "ignore" | "pipe">(args: string[], configDir: string, stdin: I | Blob) =>
  Bun.spawn([...CLI_COMMAND, ...args], { cwd: root, stdin, stdout: "pipe", stderr: "pipe", env: childEnv(configDir) });

export interface CliResult { code: number; out: string; err: string }

/** Runs one command to the end (killed after 20 s so a hang fails the test rather than the run). */
export async function cli(args: string[], configDir: string, stdin?: string): Promise<CliResult> {
  const p = spawnCli(args, configDir, stdin === undefined ? "ignore" : new Blob([stdin]));
  const timer = setTimeout(() => p.kill(), 20_000);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  return { code, out, err };
}

/** A long-running CLI: write lines to its stdin, wait for text on its stdout. */
export class CliProcess {
  out = "";
  err = "";
  readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  readonly exited: Promise<number>;

  constructor(args: string[], configDir: string) {
    this.proc = spawnCli(args, configDir, "pipe");
    const pump = async (s: ReadableStream<Uint8Array>, to: "out" | "err") => {
      const d = new TextDecoder();
      for await (const chunk of s) this[to] += d.decode(chunk, { stream: true });
    };
    const done = Promise.all([pump(this.proc.stdout, "out"), pump(this.proc.stderr, "err")]);
    this.exited = done.then(() => this.proc.exited);
  }

  write(line: string): void {
    this.proc.stdin.write(`${line}\n`);
    this.proc.stdin.flush();
  }

  /** Resolves once stdout matches, searching only after `from` (an offset into `out`). */
  async waitFor(what: string | RegExp, timeoutMs = 8000, from = 0): Promise<void> {
    const hit = () => (typeof what === "string" ? this.out.indexOf(what, from) >= 0 : what.test(this.out.slice(from)));
    const deadline = Date.now() + timeoutMs;
    while (!hit()) {
      if (Date.now() > deadline) throw new Error(`no ${String(what)} in stdout:\n${this.out}\nstderr:\n${this.err}`);
      if (this.proc.exitCode !== null) throw new Error(`exited ${this.proc.exitCode} before ${String(what)}:\n${this.out}\n${this.err}`);
      await Bun.sleep(20);
    }
  }

  /** Stops it if a test failed half-way. */
  kill(): void { if (this.proc.exitCode === null) this.proc.kill(); }
}

/** Runs one command with its stdout in an OS pipe that nobody reads for `ms` (like a pager), then reads it all. */
export async function cliSlowReader(args: string[], configDir: string, ms: number): Promise<string> {
  const script = `"$@" | (sleep ${ms / 1000}; cat)`;
  const p = Bun.spawn(["sh", "-c", script, "sh", ...CLI_COMMAND, ...args], { cwd: root, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: childEnv(configDir) });
  const [out] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  return out;
}

/**
 * Runs one command with its stdout in a real OS pipe to `head -n 1`, which exits after one line
 * and so closes the pipe while the command still writes (as `hubbub history | head` does).
 * Returns the command's own exit code, its stderr, and what head printed.
 */
export async function cliIntoHead(args: string[], configDir: string): Promise<CliResult> {
  const script = `"$@" 2>"$T_ERR" | head -n 1; echo "\${PIPESTATUS[0]}" >"$T_RC"`;
  const dir = mkdtempSync(join(tmpdir(), "hubbub-head-"));
  const files = { T_ERR: join(dir, "err"), T_RC: join(dir, "rc") };
  const p = Bun.spawn(["bash", "-c", script, "bash", ...CLI_COMMAND, ...args], { cwd: root, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...childEnv(configDir), ...files } });
  const timer = setTimeout(() => p.kill(), 20_000);
  const [out] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  clearTimeout(timer);
  return { out, err: readFileSync(files.T_ERR, "utf8"), code: Number(readFileSync(files.T_RC, "utf8")) };
}

/** Runs one command with a terminal (a pty from script(1)) as its stdin and stdout, as a person typing it would. */
export async function cliOnTerminal(args: string[], configDir: string): Promise<{ code: number; out: string }> {
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const p = Bun.spawn(["script", "-qec", [...CLI_COMMAND, ...args].map(quote).join(" "), "/dev/null"], { cwd: root, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: childEnv(configDir) });
  const timer = setTimeout(() => p.kill(), 20_000);
  const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  clearTimeout(timer);
  return { code, out };
}
