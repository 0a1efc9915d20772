/**
 * `bun run bench [name…] [--quick] [--big]`: runs the benchmarks (all by default), prints each
 * table, and writes bench/results/latest.md and latest.json with the machine described.
 * Every figure that matters is a ratio against a baseline measured in this same run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { describeMachine } from "./lib/machine.ts";

export interface Section { name: string; title: string; markdown: string; json: unknown }

const BENCHES: Record<string, (o: { quick: boolean; big: boolean }) => Promise<Section>> = {
  fanout: async (o) => (await import("./fanout.bench.ts")).fanout(o),
  durability: async (o) => (await import("./durability.bench.ts")).durability(o),
  resume: async (o) => (await import("./resume.bench.ts")).resume(o),
  codec: async (o) => (await import("./codec.bench.ts")).codec(o),
  connections: async (o) => (await import("./connections.bench.ts")).connections(o),
  store: async (o) => (await import("./store.bench.ts")).store(o),
};

const { values, positionals } = parseArgs({
  args: process.argv.slice(2), allowPositionals: true,
  options: { quick: { type: "boolean" }, big: { type: "boolean" }, out: { type: "string" } },
});
const names = positionals.length ? positionals : Object.keys(BENCHES);
for (const n of names) if (!(n in BENCHES)) { console.error(`unknown benchmark "${n}"; known: ${Object.keys(BENCHES).join(", ")}`); process.exit(2); }

const node = Bun.spawnSync(["node", "--version"]).stdout.toString().trim();
process.env.NODE_VERSION_FOR_BENCH = node;
const started = new Date();
const sections: Section[] = [];
for (const n of names) {
  process.stderr.write(`${n}…\n`);
  const t0 = performance.now();
  const s = await BENCHES[n]!({ quick: values.quick === true, big: values.big === true });
  process.stderr.write(`${n} took ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  console.log(`\n### ${s.title}\n\n${s.markdown}\n`);
  sections.push(s);
}

const header = `# hubbub benchmark results\n\n- date: ${started.toISOString()}\n- machine: ${describeMachine()}\n- command: \`bun run bench ${process.argv.slice(2).join(" ")}\`\n- mode: ${values.quick ? "quick (short runs, for checking the harness)" : "full"}\n`;
const md = `${header}\n${sections.map((s) => `### ${s.title}\n\n${s.markdown}\n`).join("\n")}`;
const outDir = values.out ?? new URL("./results/", import.meta.url).pathname;
mkdirSync(outDir, { recursive: true });
const suffix = names.length === Object.keys(BENCHES).length ? "latest" : `latest-${names.join("-")}`;
writeFileSync(`${outDir}/${suffix}.md`, md);
writeFileSync(`${outDir}/${suffix}.json`, JSON.stringify({ date: started, machine: describeMachine(), sections: sections.map((s) => ({ name: s.name, results: s.json })) }, null, 2));
process.stderr.write(`wrote ${outDir}${suffix}.md\n`);
process.exit(0);
