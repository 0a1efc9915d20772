/** A description of the machine a run happened on, printed with every result. */
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";

function cpuinfo(key: string): string | undefined {
  try {
    return new RegExp(`^${key}\\s*:\\s*(.+)$`, "m").exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim();
  } catch {
    return undefined;
  }
}

export interface Machine {
  cpus: number;
  model: string;
  mhz: string | undefined;
  cache: string | undefined;
  virtualised: boolean;
  ramGiB: number;
  kernel: string;
  bun: string;
  node: string;
}

export function machine(): Machine {
  const c = cpus();
  const node = Bun.spawnSync(["node", "--version"]).stdout.toString().trim();
  return {
    cpus: c.length,
    model: cpuinfo("model name") ?? c[0]?.model ?? "unknown CPU",
    mhz: cpuinfo("cpu MHz"),
    cache: cpuinfo("cache size"),
    virtualised: (cpuinfo("flags") ?? "").split(" ").includes("hypervisor"),
    ramGiB: Math.round(totalmem() / 2 ** 30),
    kernel: `Linux ${release()}`,
    bun: Bun.version,
    node: node || "not found",
  };
}

export function describeMachine(m: Machine): string {
  const cpu = `${m.cpus} × ${m.model}${m.mhz ? ` @ ${Math.round(Number(m.mhz))} MHz` : ""}${m.cache ? `, ${m.cache} cache` : ""}${m.virtualised ? " (virtual machine)" : ""}`;
  return `${cpu}, ${m.ramGiB} GiB RAM, ${m.kernel}, Bun ${m.bun}, Node ${m.node}`;
}

/** The 1-minute load average: other work on a shared machine shows up here. */
export const load1 = (): number => loadavg()[0] ?? Number.NaN;
