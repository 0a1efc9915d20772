/** Runs hubbub as a separate process (like a user would), so a test can kill it at any moment. */
import type { Subprocess } from "bun";

export interface ServerProcess { url: string; port: number; proc: Subprocess<"ignore", "pipe", "pipe">; firstLine: string }

export async function spawnServer(args: string[]): Promise<ServerProcess> {
  const proc = Bun.spawn([process.execPath, "run", "src/main.ts", ...args], {
    cwd: new URL("../..", import.meta.url).pathname,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stdout.getReader();
  let text = "";
  const deadline = Date.now() + 10_000;
  while (!text.includes("\n")) {
    if (Date.now() > deadline) throw new Error(`server did not start: ${text}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited: ${text}${await new Response(proc.stderr).text()}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const firstLine = text.split("\n")[0]!;
  const m = /^hubbub listening on (http:\/\/[^:]+:(\d+))$/.exec(firstLine);
  if (!m) throw new Error(`unexpected first line: ${firstLine}`);
  return { url: m[1]!, port: Number(m[2]), proc, firstLine };
}
