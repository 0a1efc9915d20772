/**
 * Each abuse scenario against a real server process with its default limits: a bystander on the
 * same server keeps getting its pings answered throughout, and the server's memory stays bounded.
 * The bounds are generous on purpose (a loaded 2-core CI machine): they catch the stalls of
 * seconds and the gigabytes the issue measured, not milliseconds. bench/abuse.bench.ts measures.
 */
import { expect, test } from "bun:test";
import { SCENARIOS, runScenario } from "./scenarios.ts";

for (const s of SCENARIOS) {
  test(`${s.name}: a bystander stays responsive and memory stays bounded`, async () => {
    const r = await runScenario(s);
    console.log(`${r.name}: ${r.outcome}; bystander pings ${r.pings.length}, worst ${r.maxPingMs.toFixed(1)} ms; RSS ${r.rssBeforeMb.toFixed(0)} -> peak ${r.rssPeakMb.toFixed(0)} MB`);
    const seen = `${r.outcome}; pings ${r.pings.length}, worst ${r.maxPingMs.toFixed(1)} ms; RSS ${r.rssBeforeMb.toFixed(0)} -> ${r.rssPeakMb.toFixed(0)} MB`;
    expect({ answered: r.pings.length > 0, seen }).toEqual({ answered: true, seen });
    expect({ stalled: r.maxPingMs >= 5000, seen }).toEqual({ stalled: false, seen });
    expect({ grewMb300: r.rssPeakMb - r.rssBeforeMb >= 300, seen }).toEqual({ grewMb300: false, seen });
  }, 120_000);
}
