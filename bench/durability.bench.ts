/**
 * 2. Durability cost: hubbub's fan-out with the log at synchronous=NORMAL and FULL, against raw
 * Bun in the same run, and how many events each transaction carried (group commit at work).
 * Two more rows show what the commit policy buys: a 1 ms commit window, and no group commit at
 * all (one transaction, and with FULL one fsync, per message).
 */
import { measureInRounds, type FanoutResult } from "./fanout.bench.ts";
import { fmt, fmtSpread, table } from "./lib/stats.ts";
import { hubbub, rawBun } from "./lib/targets.ts";
import { atLeast, type BenchOptions, type Section } from "./lib/section.ts";

interface Health { journal: { transactions: number; events: number; largestBatch: number } }
/** hubbub's journal counters; undefined for the baseline, which has no /health. */
const health = async (port: number): Promise<Health | undefined> => {
  try { return (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as Health; } catch { return undefined; }
};

const FULL = "hubbub FULL (default)";

export async function durability(o: BenchOptions): Promise<Section> {
  const opts = { seconds: o.quick ? 1 : 2, reps: o.reps ?? (o.quick ? 2 : 3), pacedRate: 20_000, probe: health };
  const rows: { n: number; name: string; r: FanoutResult }[] = [];
  for (const n of o.quick ? [16] : [16, 64]) {
    const targets = [
      rawBun,
      hubbub("hubbub NORMAL", "json", ["--synchronous", "NORMAL"]),
      hubbub(FULL, "json", ["--synchronous", "FULL"]),
      hubbub("hubbub FULL, commit every turn", "json", ["--synchronous", "FULL", "--commit-window-ms", "0"]),
      hubbub("hubbub FULL, one transaction per message", "json", ["--synchronous", "FULL", "--commit-max-events", "1"]),
    ];
    for (const r of await measureInRounds(targets, n, opts, "durability")) rows.push({ n, name: r.target, r });
  }
  const md = table(["N", "server", "deliveries/s", "× raw", "per server CPU-s", "× raw", "paced p99 ms median (min–max)", "events per transaction (mean / max)", "runs redone (sat./paced)"],
    rows.map(({ n, name, r }) => {
      const raw = rows.find((x) => x.n === n && x.name === rawBun.name)!.r;
      const hs = r.probes as (Health | undefined)[];
      const events = hs.reduce((a, h) => a + (h?.journal.events ?? 0), 0);
      const transactions = hs.reduce((a, h) => a + (h?.journal.transactions ?? 0), 0);
      const largest = Math.max(0, ...hs.map((h) => h?.journal.largestBatch ?? 0));
      const per = transactions > 0 ? `${fmt(events / transactions, 1)} / ${fmt(largest)}` : "–";
      return [String(n), name, fmtSpread(r.deliveriesPerSec), fmt(r.deliveriesPerSec.median / raw.deliveriesPerSec.median, 2),
        fmtSpread(r.perCpuSecond), fmt(r.perCpuSecond.median / raw.perCpuSecond.median, 2), fmtSpread(r.paced.p99, 2), per, `${r.redone.saturated}/${r.redone.paced}`];
    }));
  const goals = [...new Set(rows.map((r) => r.n))].map((n) => {
    const at = (name: string) => rows.find((x) => x.n === n && x.name === name)!.r.deliveriesPerSec.median;
    return atLeast(`N=${n}: FULL (the default) costs under 10 % against NORMAL: deliveries/s ≥ 0.9× NORMAL`, at(FULL) / at("hubbub NORMAL"), 0.9);
  });
  return {
    name: "durability", title: "2. Durability cost: synchronous NORMAL vs FULL, and group commit",
    markdown: `Same load as the fan-out benchmark. NORMAL and FULL run with the default commit policy: one transaction per event-loop turn holding everything appended in that turn (up to 1,000 events), and when the server is busy (the previous commit carried 8 or more events) a commit waits until 1 ms after the previous one (--commit-window-ms 1). The last two rows change only that policy: never wait (--commit-window-ms 0: commit every turn), or give every message its own transaction (--commit-max-events 1: no group commit). Measured in rounds, like the fan-out table.\n\n${md}`,
    json: rows.map(({ name, r }) => ({ name, ...r })),
    goals,
  };
}
