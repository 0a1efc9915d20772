/** A description of the machine a run happened on, printed with every result. */
import { cpus, totalmem, release } from "node:os";

export function describeMachine(): string {
  const c = cpus();
  return [
    `${c.length} × ${c[0]?.model ?? "unknown CPU"}`,
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    `Linux ${release()}`,
    `Bun ${Bun.version}`,
    `Node ${process.env.NODE_VERSION_FOR_BENCH ?? "(see baselines)"}`,
  ].join(", ");
}
