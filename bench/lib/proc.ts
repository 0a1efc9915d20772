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

/** User and system CPU seconds the process has used so far. */
export function cpuTimes(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: Number(fields[11]) / TICKS_PER_SECOND, sys: Number(fields[12]) / TICKS_PER_SECOND };
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.sys;
}

/** Resident memory now and at its peak, in bytes. */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

/** CPU seconds the whole machine has spent busy (everything but idle and iowait), from /proc/stat. */
export function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS_PER_SECOND;
}

/** This process's own CPU seconds (all threads), user + system. */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export interface Metered {
  seconds: number;
  /** CPU seconds of the server process. */
  serverCpu: number;
  /** CPU seconds of this process (the load generator). */
  ownCpu: number;
  /** CPU used by everything else on the machine, % of one core (includes kernel work not charged to a process). */
  othersPct: number;
}

/** Starts measuring wall time and CPU; call the result to read what passed since. */
export function startMeter(pid: number): () => Metered {
  const t0 = performance.now();
  const s0 = cpuSeconds(pid);
  const o0 = ownCpuSeconds();
  const b0 = machineBusySeconds();
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const serverCpu = cpuSeconds(pid) - s0;
    const ownCpu = ownCpuSeconds() - o0;
    const othersPct = (Math.max(0, machineBusySeconds() - b0 - serverCpu - ownCpu) / seconds) * 100;
    return { seconds, serverCpu, ownCpu, othersPct };
  };
}

/**
 * Waits (at most `maxMs`) until the rest of the machine uses less than `maxPct` of a core over
 * a 300 ms window, `pid` included in "ours". Used before redoing a disturbed run: redoing it at
 * once while another job is still running would only measure that job again.
 */
export async function waitForQuiet(pid: number, maxPct: number, maxMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const meter = startMeter(pid);
    await Bun.sleep(300);
    if (meter().othersPct < maxPct) return true;
  }
  return false;
}
