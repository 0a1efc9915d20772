/**
 * 1. Fan-out: N clients in one room, each keeping a small window of its own messages in
 *    flight; every delivery counted, every latency measured end to end. Then the same clients
 *    at a fixed paced rate. Servers run as separate processes so their CPU time is their own.
 */
import { newCounters, openClient, type Client, type Counters } from "./lib/loadgen.ts";
import { cpuSeconds, memory } from "./lib/proc.ts";
import { fmt, fmtSpread, percentile, spread, table, type Spread } from "./lib/stats.ts";
import { hubbub, rawBun, socketIo, wsNode, type Target } from "./lib/targets.ts";
import type { Section } from "./run.ts";

export interface FanoutResult {
  target: string;
  n: number;
  deliveriesPerSec: Spread;
  perCpuSecond: Spread;
  sat: { p50: number; p99: number; p999: number };
  paced: { rate: number; p50: number; p99: number; p999: number };
  lost: number;
  peakRssMb: number;
  /** What `probe` returned just before the server stopped (e.g. hubbub's /health). */
  probe?: unknown;
}

const WINDOW = Number(process.env.BENCH_WINDOW ?? 8);

function latency(c: Counters) {
  const s = c.lat.slice(0, c.latCount).sort();
  return { p50: percentile(s, 50), p99: percentile(s, 99), p999: percentile(s, 99.9) };
}

export async function measureFanout(target: Target, n: number, o: { seconds: number; reps: number; pacedRate: number; probe?: (port: number) => Promise<unknown> }): Promise<FanoutResult> {
  const server = await target.start();
  const c = newCounters();
  const run = Math.random().toString(36).slice(2, 8);
  let pumping = false;
  const clients: Client[] = [];
  const outstanding = new Int32Array(n);
  const seqs = new Int32Array(n);
  try {
    for (let i = 0; i < n; i += 32) {
      const batch = await Promise.all(Array.from({ length: Math.min(32, n - i) }, (_, k) => {
        const id = i + k;
        return openClient(server.port, target.dialect, id, run, c, () => {
          outstanding[id]! -= 1;
          if (pumping) { clients[id]!.send(seqs[id]!++); outstanding[id]! += 1; }
        });
      }));
      clients.push(...batch);
    }
    const saturate = async (ms: number) => {
      pumping = true;
      for (let id = 0; id < n; id++) while (outstanding[id]! < WINDOW) { clients[id]!.send(seqs[id]!++); outstanding[id]! += 1; }
      await Bun.sleep(ms);
      pumping = false;
    };
    await saturate(500); // warm-up
    const rates: number[] = [];
    const perCpu: number[] = [];
    c.latCount = 0;
    for (let r = 0; r < o.reps; r++) {
      await Bun.sleep(150);
      c.windowDeliveries = 0;
      const cpu0 = cpuSeconds(server.pid);
      const t0 = performance.now();
      c.recording = true;
      await saturate(o.seconds * 1000);
      c.recording = false;
      const dt = (performance.now() - t0) / 1000;
      const cpu = cpuSeconds(server.pid) - cpu0;
      rates.push(c.windowDeliveries / dt);
      perCpu.push(c.windowDeliveries / Math.max(cpu, 0.01));
    }
    const sat = latency(c);
    // Paced: a fixed delivery rate, spread over all senders.
    await Bun.sleep(300);
    c.latCount = 0;
    c.recording = true;
    const perSecond = o.pacedRate / n;
    const t0 = performance.now();
    let sent = 0;
    while (performance.now() - t0 < o.seconds * 1000) {
      const due = Math.floor(((performance.now() - t0) / 1000) * perSecond);
      for (; sent < due; sent++) { const id = sent % n; clients[id]!.send(seqs[id]!++); }
      await Bun.sleep(1);
    }
    c.recording = false;
    const paced = latency(c);
    // Drain, then count what never arrived.
    const deadline = Date.now() + 5000;
    while (c.received < c.sent * n && Date.now() < deadline) await Bun.sleep(20);
    return {
      target: target.name, n,
      deliveriesPerSec: spread(rates), perCpuSecond: spread(perCpu),
      sat, paced: { rate: o.pacedRate, ...paced },
      lost: c.sent * n - c.received,
      peakRssMb: memory(server.pid).peak / 2 ** 20,
      probe: o.probe ? await o.probe(server.port) : undefined,
    };
  } finally {
    for (const cl of clients) cl.close();
    await server.stop();
  }
}

export const FANOUT_TARGETS = (): Target[] => [rawBun, hubbub("hubbub (JSON)", "json"), hubbub("hubbub (MessagePack)", "msgpack"), wsNode, socketIo];

export async function fanout(o: { quick: boolean; ns?: number[] }): Promise<Section> {
  const ns = o.ns ?? (o.quick ? [16] : [16, 64, 256]);
  const opts = { seconds: o.quick ? 1 : 2, reps: o.quick ? 2 : 3, pacedRate: 20_000 };
  const results: FanoutResult[] = [];
  for (const n of ns) for (const t of FANOUT_TARGETS()) {
    process.stderr.write(`  fanout N=${n} ${t.name}…\n`);
    results.push(await measureFanout(t, n, opts));
  }
  const parts: string[] = [];
  for (const n of ns) {
    const rows = results.filter((r) => r.n === n);
    const raw = rows.find((r) => r.target === rawBun.name)!;
    parts.push(`#### N = ${n} clients in one room\n\n` + table(
      ["server", "deliveries/s median (min–max)", "× raw", "deliveries per server CPU-s", "× raw", "sat. p50 / p99 / p99.9 ms", `paced ${fmt(opts.pacedRate)}/s p50 / p99 / p99.9 ms`, "lost", "peak RSS MB"],
      rows.map((r) => [
        r.target, fmtSpread(r.deliveriesPerSec), fmt(r.deliveriesPerSec.median / raw.deliveriesPerSec.median, 2),
        fmtSpread(r.perCpuSecond), fmt(r.perCpuSecond.median / raw.perCpuSecond.median, 2),
        `${fmt(r.sat.p50, 1)} / ${fmt(r.sat.p99, 1)} / ${fmt(r.sat.p999, 1)}`,
        `${fmt(r.paced.p50, 2)} / ${fmt(r.paced.p99, 2)} / ${fmt(r.paced.p999, 2)}`,
        fmt(r.lost), fmt(r.peakRssMb, 0),
      ]),
    ));
  }
  return {
    name: "fanout",
    title: "1. Fan-out throughput and latency",
    markdown: `Each client keeps ${WINDOW} of its own messages in flight (saturation, ${opts.reps} runs of ${opts.seconds} s, median and min–max), then all send at a paced total of ${fmt(opts.pacedRate)} deliveries/s. hubbub appends every message to its SQLite log (default settings) before anyone sees it; the baselines keep nothing.\n\n${parts.join("\n\n")}`,
    json: results,
  };
}
