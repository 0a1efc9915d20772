/**
 * The worst stall an abuser can inflict on a bystander: the p100 latency of an idle client's
 * `ping` while each abuse scenario of test/abuse/scenarios.ts runs against a hubbub process with
 * its default limits, next to the same bystander on an unloaded server, in one run.
 * Target (issue 8): no scenario stalls the bystander for more than 50 ms.
 *
 *   bun run bench/abuse.bench.ts            # writes bench/results/abuse.md and abuse.json
 *
 * The attackers run in this process (they read only each frame's type); the bystander pings
 * every 10 ms and awaits each pong before the next, so a stall shows as one long round trip.
 */
import { writeFileSync } from "node:fs";
import { IDLE, SCENARIOS, type ScenarioResult, runScenario } from "../test/abuse/scenarios.ts";
import { describeMachine, load1, machine } from "./lib/machine.ts";

const TARGET_MS = 50;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

const started = Date.now();
const loadBefore = load1();
const results: ScenarioResult[] = [];
for (const s of [IDLE, ...SCENARIOS]) {
  const r = await runScenario(s);
  results.push(r);
  console.log(`${r.name}: worst ${r.maxPingMs.toFixed(1)} ms over ${r.pings.length} pings; ${r.outcome}`);
}
const loadAfter = load1();
const rows = results.map((r) => {
  const met = r.name === IDLE.name ? "—" : r.maxPingMs <= TARGET_MS ? "yes" : "**no**";
  return `| ${r.name} | ${r.pings.length} | ${pct(r.pings, 50).toFixed(1)} | ${pct(r.pings, 99).toFixed(1)} | ${r.maxPingMs.toFixed(1)} | ${met} | ${r.rssBeforeMb.toFixed(0)} → ${r.rssPeakMb.toFixed(0)} | ${r.outcome} |`;
});
const md = [
  "# Abuse benchmark: worst bystander ping per scenario",
  "",
  `- date: ${new Date(started).toISOString()}`,
  `- machine: ${describeMachine(machine())}`,
  `- command: \`bun run bench/abuse.bench.ts\`, ${((Date.now() - started) / 1000).toFixed(0)} s`,
  `- 1-minute load average: ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after (the machine is shared; the attackers share the cores with the server)`,
  "- server: `bun run src/main.ts` with its defaults (a fresh database per scenario); attacker and bystander in the benchmark process",
  `- target: p100 ≤ ${TARGET_MS} ms in every scenario`,
  "",
  "| scenario | pings | p50 ms | p99 ms | p100 ms | ≤ 50 ms | server RSS MB (before → peak) | what the attacker got |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows,
  "",
].join("\n");
writeFileSync(new URL("./results/abuse.md", import.meta.url), md);
writeFileSync(new URL("./results/abuse.json", import.meta.url), JSON.stringify({ started, machine: machine(), loadBefore, loadAfter, results }, null, 1));
console.log(md);
