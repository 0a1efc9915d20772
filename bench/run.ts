/**
 * `bun run bench [name…] [--quick] [--big] [--reps N] [--out DIR] [--cpu-prof DIR]`: runs the benchmarks (all by
 * default), prints each table, and writes results/latest.md and latest.json (or
 * latest-<names>.* for a subset) with the machine described and the issue's targets checked.
 * Every figure that matters is a ratio against a baseline measured in this same run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { describeMachine, load1, machine } from "./lib/machine.ts";
import type { BenchOptions, Goal, Section } from "./lib/section.ts";
import { table } from "./lib/stats.ts";
import { removeTempDbs } from "./lib/temp.ts";

const BENCHES: Record<string, (o: BenchOptions) => Promise<Section>> = {
  fanout: async (o) => (await import("./fanout.bench.ts")).fanout(o),
  metrics: async (o) => (await import("./fanout.bench.ts")).metricsCost(o),
  sensitivity: async (o) => (await import("./fanout.bench.ts")).sensitivity(o),
  durability: async (o) => (await import("./durability.bench.ts")).durability(o),
  resume: async (o) => (await import("./resume.bench.ts")).resume(o),
  codec: async (o) => (await import("./codec.bench.ts")).codec(o),
  connections: async (o) => (await import("./connections.bench.ts")).connections(o),
  store: async (o) => (await import("./store.bench.ts")).store(o),
  engine: async (o) => (await import("./engine.bench.ts")).engine(o),
  cluster: async (o) => (await import("./cluster.bench.ts")).cluster(o),
  "cluster-fanout": async (o) => (await import("./cluster-scale.bench.ts")).clusterFanout(o),
  "cluster-100k": async (o) => (await import("./cluster-scale.bench.ts")).cluster100k(o),
};

function usage(code: number): never {
  console.error(`usage: bun run bench [${Object.keys(BENCHES).join("|")} …] [--quick] [--big] [--reps N] [--out DIR] [--cpu-prof DIR]`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    args: process.argv.slice(2), allowPositionals: true,
    options: { quick: { type: "boolean" }, big: { type: "boolean" }, reps: { type: "string" }, out: { type: "string" }, "cpu-prof": { type: "string" }, help: { type: "boolean", short: "h" } },
  });
} catch (e) {
  console.error((e as Error).message);
  usage(2);
}
const { values, positionals } = parsed;
if (values.help) usage(0);
/** `bun run bench` runs all but the 100k-connections run, which takes minutes and most of the machine's memory: ask for it by name. */
const EVERY = Object.keys(BENCHES).filter((n) => n !== "cluster-100k");
const names = positionals.length ? positionals : EVERY;
for (const n of names) if (!(n in BENCHES)) { console.error(`unknown benchmark "${n}"`); usage(2); }
const reps = values.reps === undefined ? undefined : Number(values.reps);
if (reps !== undefined && !(Number.isInteger(reps) && reps >= 1)) { console.error("--reps must be a whole number ≥ 1"); usage(2); }
if (values["cpu-prof"]) process.env.BENCH_CPU_PROF = resolve(values["cpu-prof"]);
const opts: BenchOptions = { quick: values.quick === true, big: values.big === true, reps };

const m = machine();
const started = new Date();
const loadBefore = load1();
const t0 = performance.now();
const sections: Section[] = [];
try {
  for (const n of names) {
    process.stderr.write(`${n}…\n`);
    const t = performance.now();
    const s = await BENCHES[n]!(opts);
    process.stderr.write(`${n} took ${((performance.now() - t) / 1000).toFixed(0)} s\n`);
    console.log(`\n### ${s.title}\n\n${s.markdown}\n`);
    sections.push(s);
    removeTempDbs();
  }
} finally {
  removeTempDbs();
}
const seconds = (performance.now() - t0) / 1000;

const goals: Goal[] = sections.flatMap((s) => s.goals ?? []);
const goalTable = goals.length
  ? table(["target", "measured", "met"], goals.map((g) => [g.goal, g.measured, g.met ? "yes" : "**no**"]))
  : "(no targets in the benchmarks run)";
if (goals.length) console.log(`\n### Targets\n\n${goalTable}\n`);

const command = `bun run bench ${process.argv.slice(2).join(" ")}`.trim();
const header = [
  "# hubbub benchmark results",
  "",
  `- date: ${started.toISOString()}`,
  `- machine: ${describeMachine(m)}`,
  `- Bun ${m.bun} (servers under test and load generator), Node ${m.node} (ws and Socket.IO baselines)`,
  `- command: \`${command}\` (${opts.quick ? "quick: short runs, for checking the harness only" : "full-length runs"}), ${seconds.toFixed(0)} s`,
  `- 1-minute load average: ${loadBefore.toFixed(2)} before, ${load1().toFixed(2)} after (the load generator shares the cores with the server, so ~1–2 is this suite itself; more means someone else was busy)`,
  "- how to read this: bench/README.md; why targets are missed (hand-written, dated): bench/results/analysis.md",
].join("\n");
const md = `${header}\n\n### Targets\n\n${goalTable}\n\n${sections.map((s) => `### ${s.title}\n\n${s.markdown}\n`).join("\n")}`;
const outDir = values.out ?? new URL("./results/", import.meta.url).pathname;
mkdirSync(outDir, { recursive: true });
const suffix = names.length === EVERY.length && EVERY.every((n) => names.includes(n)) ? "latest" : `latest-${names.join("-")}`;
writeFileSync(join(outDir, `${suffix}.md`), md);
writeFileSync(join(outDir, `${suffix}.json`), `${JSON.stringify({
  date: started, command, mode: opts.quick ? "quick" : "full", seconds, machine: m,
  load: { before: loadBefore, after: load1() }, goals,
  sections: sections.map((s) => ({ name: s.name, title: s.title, goals: s.goals ?? [], results: s.json })),
}, null, 2)}\n`);
process.stderr.write(`wrote ${join(outDir, `${suffix}.md`)} and .json\n`);
process.exit(0);
