/**
 * Wires the observability adapters from the config: the pino logger (format and level) and,
 * unless `--metrics off`, a metric store with its Prometheus exposition, process gauges and
 * per-topic subscriber counts. The actors see only the ports (src/observability/).
 */
import type { Hub } from "../actors/hub.ts";
import { HubMetrics, type MailboxKind } from "../observability/hub-metrics.ts";
import type { Logger } from "../observability/log.ts";
import { pinoLogger } from "../observability/log-pino.ts";
import { MetricStore } from "../observability/metric-store.ts";
import { noopMetrics } from "../observability/metrics.ts";
import { type Exposition, promExposition } from "../observability/metrics-prom.ts";
import { startProcessMetrics } from "../observability/process-metrics.ts";
import type { Config } from "./config.ts";
import { SubscriberCounts } from "./subscriber-counts.ts";

export function createLogger(config: Pick<Config, "logLevel" | "logFormat">): Logger {
  const format = config.logFormat === "auto" ? (process.stdout.isTTY ? "pretty" : "json") : config.logFormat;
  return pinoLogger({ level: config.logLevel, format });
}

export interface Observability {
  metrics: HubMetrics;
  /** undefined with --metrics off. */
  exposition: Exposition | undefined;
  counts: SubscriberCounts | undefined;
  /** Once the hub exists: sample its queues and the journal's totals at every scrape. */
  watch(hub: Hub): void;
  stop(): void;
}

export function createObservability(config: Pick<Config, "metrics">, logger: Logger): Observability {
  if (config.metrics === "off") {
    return { metrics: new HubMetrics(noopMetrics), exposition: undefined, counts: undefined, watch() {}, stop() {} };
  }
  const store = new MetricStore();
  const metrics = new HubMetrics(store);
  const proc = startProcessMetrics(store);
  const exposition = promExposition(store, (e) => logger.error("metrics sampler failed", e, { event: "metrics.failed" }));
  return {
    metrics, exposition, counts: new SubscriberCounts(),
    watch(hub) {
      store.onCollect(() => {
        metrics.sampleJournal({ ...hub.journal.stats, queued: hub.journal.queued });
        const depths = hub.mailboxDepths();
        for (const kind of Object.keys(depths) as MailboxKind[]) {
          metrics.mailboxQueued[kind].set(depths[kind].total);
          metrics.mailboxQueuedMax[kind].set(depths[kind].max);
        }
      });
    },
    stop: () => proc.stop(),
  };
}
