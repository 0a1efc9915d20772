/** Runs hubbub as a separate process (like a user would), so a test can kill it at any moment. */
import type { Subprocess } from "bun";

export interface ServerProcess {
  url: string;
  port: number;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  firstLine: string;
  /** Everything the server wrote to stdout so far (banner, then the log), and to stderr. */
  out(): string;
  err(): string;
  /** Waits (up to `timeoutMs`) until stdout has a line matching `re`, and returns it. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
}

export async function spawnServer(args: string[]): Promise<ServerProcess> {
  const proc = Bun.spawn([process.execPath, "run", "src/main.ts", ...args], {
    cwd: new URL("../..", import.meta.url).pathname,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  // Both pipes are read to the end, always: a server logging into a pipe nobody reads would
  // block once the pipe is full.
  let out = "";
  let err = "";
  let exited = false;
  let waiters: (() => void)[] = [];
  const wake = () => { const w = waiters; waiters = []; for (const f of w) f(); };
  const pump = async (s: ReadableStream<Uint8Array>, add: (t: string) => void) => {
    const d = new TextDecoder();
    for await (const chunk of s) { add(d.decode(chunk, { stream: true })); wake(); }
  };
  // "exited" only once both pipes are read to their end, so nothing written before exit is missed.
  void Promise.all([pump(proc.stdout, (t) => { out += t; }), pump(proc.stderr, (t) => { err += t; }), proc.exited])
    .then(() => { exited = true; wake(); });

  const until = async (ready: () => boolean, what: string, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (exited) throw new Error(`server exited before ${what}: ${out}${err}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} in time: ${out}${err}`);
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, left); });
    }
  };
  const waitForLine = async (re: RegExp, timeoutMs = 10_000): Promise<string> => {
    let hit: string | undefined;
    await until(() => (hit = out.split("\n").find((l) => re.test(l))) !== undefined, `line matching ${re}`, timeoutMs);
    return hit!;
  };

  await until(() => out.includes("\n"), "first line", 10_000);
  const firstLine = out.split("\n")[0]!;
  const m = /^hubbub listening on (http:\/\/[^:]+:(\d+))$/.exec(firstLine);
  if (!m) throw new Error(`unexpected first line: ${firstLine}`);
  return { url: m[1]!, port: Number(m[2]), proc, firstLine, out: () => out, err: () => err, waitForLine };
}
