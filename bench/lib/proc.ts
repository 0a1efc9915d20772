/** Servers under test run as their own processes, so their CPU time and memory can be read from /proc. */
import type { Subprocess } from "bun";
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // Linux USER_HZ

export interface ServerProc {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Starts a server command and waits for a line matching `ready` that contains its port. */
export async function spawnServer(cmd: string[], ready: RegExp, env: Record<string, string> = {}, cwd = new URL("../..", import.meta.url).pathname): Promise<ServerProc> {
  const proc = Bun.spawn(cmd, { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const reader = proc.stdout.getReader();
  let text = "";
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = ready.exec(text);
    if (m) { reader.releaseLock(); void drain(proc.stdout); void drain(proc.stderr); return { proc, pid: proc.pid, port: Number(m[1]), stop: () => stop(proc) }; }
    if (Date.now() > deadline) throw new Error(`${cmd.join(" ")} did not start: ${text}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`${cmd.join(" ")} exited: ${text}${await new Response(proc.stderr).text()}`);
    text += new TextDecoder().decode(value);
  }
}

async function drain(s: ReadableStream<Uint8Array>): Promise<void> {
  try { for await (const _ of s) { /* discard */ } } catch { /* closed */ }
}

async function stop(proc: Subprocess): Promise<void> {
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
  await proc.exited;
  clearTimeout(timer);
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Resident memory now and at its peak, in bytes. */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}
