/**
 * `bun bench/profile-cluster.ts [rounds] [seconds] [nodes,…]`: the cluster-fanout scenario
 * (bench/cluster-scale.bench.ts) with each node's CPU over the measured window split into user and
 * system time per message sent (µs), and the batch sizes from /health (events per commit, per
 * batch applied, and per transaction written to the replica when it is written behind), so a change can be judged by where a node's time goes, not only
 * by the ratio. Shares and per-message figures only: the machine is shared (bench/results/analysis.md).
 *
 *   VARIANTS="a:K=V,K2=V2;b:K=V"  each cluster setup once per variant (the nodes' environment), same round;
 *                                 CWD=DIR in a variant runs that checkout's src/main.ts instead (old
 *                                 against new code in the same round, e.g. a `git archive` of main)
 *   PERF=DIR                      `perf record -g` of the nodes over the measured window
 *   BENCH_CPU_PROF=DIR            Bun's CPU profile of every node (BENCH_CPU_PROF_INTERVAL µs between samples)
 *   BENCH_WARMUP_S=N              a longer warm-up (the JIT of fresh processes), default 1
 */
import { SETUPS, saturate, startSetup, type Setup } from "./cluster-scale.bench.ts";
import { load1 } from "./lib/machine.ts";
import { cpuTimes } from "./lib/proc.ts";
import { removeTempDbs } from "./lib/temp.ts";

const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 3);
const only = process.argv[4]?.split(",").map(Number);
const n = Number(process.env.BENCH_CLUSTER_N ?? 256), window = Math.max(1, Math.round(256 / n));

interface Variant { name: string; env: Record<string, string>; cwd?: string }
const variants: Variant[] = (process.env.VARIANTS ?? ":").split(";").map((v) => {
  const [name = "", env = ""] = v.split(":");
  const { CWD: cwd, ...rest } = Object.fromEntries(env.split(",").filter(Boolean).map((kv) => kv.split("=") as [string, string]));
  return { name, env: rest, cwd };
});
const setups: (Setup & { env: Record<string, string>; cwd?: string })[] = SETUPS
  .filter((s) => !only || only.includes(s.nodes))
  .flatMap((s) => s.nodes === 1 ? [{ ...s, env: {} }] : variants.map((v) => ({ ...s, name: `${s.name} ${v.name}`.trim(), env: v.env, cwd: v.cwd })));

interface Health { journal: { transactions: number; events: number }; cluster?: { commits: { transactions: number; events: number }; applied: { batches: number; events: number }; replicaWrites?: { transactions: number; events: number } } }
const per = (a: number, b: number) => (b > 0 ? a / b : 0).toFixed(1);

const ratios = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  let base = 0;
  for (const s of setups) {
    const setup = await startSetup(s, { env: s.env, cwd: s.cwd });
    try {
      let start: { user: number; sys: number }[] = [], end: { user: number; sys: number }[] = [];
      let perf: ReturnType<typeof Bun.spawn> | undefined;
      const run = await saturate(setup.procs, n, window, seconds, `p${r}-${s.nodes}`, async (on) => {
        const pids = setup.procs.map((p) => p.pid);
        if (on) {
          start = pids.map(cpuTimes);
          if (process.env.PERF) perf = Bun.spawn(["perf", "record", "-g", "-o", `${process.env.PERF}/perf-${s.nodes}-r${r}.data`, "-p", pids.join(",")], { stdout: "ignore", stderr: "ignore" });
        } else {
          end = pids.map(cpuTimes);
          perf?.kill("SIGINT");
          await perf?.exited;
        }
      });
      const health = await Promise.all(setup.procs.map(async (p) => (await (await fetch(`http://127.0.0.1:${p.port}/health`)).json()) as Health));
      const batches = health.map((h) => h.cluster
        ? `commit ${per(h.cluster.commits.events, h.cluster.commits.transactions)} apply ${per(h.cluster.applied.events, h.cluster.applied.batches)}` +
          (h.cluster.replicaWrites ? ` write ${per(h.cluster.replicaWrites.events, h.cluster.replicaWrites.transactions)}` : "")
        : `commit ${per(h.journal.events, h.journal.transactions)}`);
      const messages = (run.deliveriesPerSec * seconds) / n;
      const us = (k: "user" | "sys") => end.map((e, i) => Math.round(((e[k] - start[i]![k]) / messages) * 1e6));
      const u = us("user"), y = us("sys");
      if (s.nodes === 1) base = run.perServerCpu;
      const ratio = base > 0 ? run.perServerCpu / base : NaN;
      ratios.set(s.name, [...(ratios.get(s.name) ?? []), ratio]);
      const sum = [...u, ...y].reduce((a, b) => a + b, 0);
      console.log(`${s.name.padEnd(28)} load ${load1().toFixed(1)}  ${Math.round(run.deliveriesPerSec)} deliveries/s  ${Math.round(run.perServerCpu)} per CPU-s  ×${ratio.toFixed(2)}  ` +
        `µs per message: user ${u.join("/")} sys ${y.join("/")} (sum ${sum})  others ${Math.round(run.postgresPct)} % of a core\n    events per ${batches.join(" | ")}`);
    } finally {
      await setup.stop();
      removeTempDbs();
    }
  }
}
for (const [k, v] of ratios) console.log(`${k}: × one node per round ${v.map((x) => x.toFixed(2)).join(" ")}`);
process.exit(0);
