/**
 * The metric work hubbub does for one room message, timed in this process: the same HubMetrics
 * calls the transport, hub and fan-out make (frame counted, ack latency timed and observed,
 * event counted, publish and its deliveries counted, the sender's ack checked for an error
 * code; a commit's two histograms every `batch` messages), against the same calls on the
 * no-op metrics `--metrics off` uses. CPU time, not wall time, so a busy machine matters less
 * than it does to the end-to-end comparison; it is a second reading of the same cost.
 */
import { HubMetrics } from "../../src/observability/hub-metrics.ts";
import { MetricStore } from "../../src/observability/metric-store.ts";
import { noopMetrics } from "../../src/observability/metrics.ts";
import { CountingFanout } from "../../src/fanout/counting.ts";
import type { Fanout } from "../../src/fanout/ports.ts";
import { ownCpuSeconds } from "./proc.ts";

function perMessage(m: HubMetrics, fanout: Fanout | undefined, messages: number, batch: number): number {
  const topic = "room:bench|json";
  const ack = { type: "ack" as string, code: "internal" as const };
  let sink = 0;
  const t0 = ownCpuSeconds();
  for (let i = 0; i < messages; i++) {
    m.framesIn.send.inc();
    const start = m.enabled ? performance.now() : 0;
    m.eventsAppended.message.inc();
    fanout?.publish(topic, "x"); // the counting fan-out: one Map lookup, publishes and deliveries counted
    if (start > 0) m.ackSeconds.observe((performance.now() - start) / 1000);
    if (ack.type === "error") m.errors[ack.code].inc();
    if (m.enabled && i % batch === 0) {
      const c0 = performance.now();
      m.commitEvents.observe(batch);
      m.commitSeconds.observe((performance.now() - c0) / 1000);
    }
    sink += i;
  }
  const cpu = ownCpuSeconds() - t0;
  if (sink < 0) throw new Error("unreachable: keeps the loop from being optimised away");
  return (cpu / messages) * 1e9;
}

/** Nanoseconds of CPU per message: with metrics on, off, and the difference (median of `reps`). */
export function metricOpsPerMessage(subscribers: number, batch = 10, messages = 2_000_000, reps = 5): { onNs: number; offNs: number; costNs: number } {
  const on = new HubMetrics(new MetricStore());
  // The same decorator the server uses with metrics on, over a fan-out that publishes nowhere.
  const nowhere: Fanout = { publish() {}, subscribe() {}, unsubscribe() {}, release() {}, subscriberCount: () => subscribers };
  const counts = new CountingFanout(nowhere, (_data, deliveries) => { on.publishes.json.inc(); on.deliveries.json.inc(deliveries); });
  const off = new HubMetrics(noopMetrics);
  const ons: number[] = [], offs: number[] = [];
  perMessage(on, counts, messages / 4, batch); // warm-up: both shapes compiled before timing
  perMessage(off, undefined, messages / 4, batch);
  for (let r = 0; r < reps; r++) {
    ons.push(perMessage(on, counts, messages, batch));
    offs.push(perMessage(off, undefined, messages, batch));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const onNs = median(ons), offNs = median(offs);
  return { onNs, offNs, costNs: onNs - offNs };
}
