/**
 * Wires the observability adapters from the config: the pino logger (format and level) and,
 * unless `--metrics off`, a metric store with its Prometheus exposition, process gauges and
 * a fan-out that counts deliveries. The actors see only the ports (src/observability/).
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
import { CountingFanout } from "../fanout/counting.ts";
import type { Fanout } from "../fanout/ports.ts";

export function createLogger(config: Pick<Config, "logLevel" | "logFormat">): Logger {
  const format = config.logFormat === "auto" ? (process.stdout.isTTY ? "pretty" : "json") : config.logFormat;
  return pinoLogger({ level: config.logLevel, format });
}

export interface Observability {
  metrics: HubMetrics;
  /** undefined with --metrics off. */
  exposition: Exposition | undefined;
  /** The fan-out to give the hub: `inner` itself with metrics off, else one that counts publishes and deliveries. */
  countDeliveries(inner: Fanout): Fanout;
  /** Once the hub exists: sample its queues and the journal's totals at every scrape. */
  watch(hub: Hub): void;
  stop(): void;
}

export function createObservability(config: Pick<Config, "metrics">, logger: Logger): Observability {
  if (config.metrics === "off") {
    return { metrics: new HubMetrics(noopMetrics), exposition: undefined, countDeliveries: (inner) => inner, watch() {}, stop() {} };
  }
  const store = new MetricStore();
  const metrics = new HubMetrics(store);
  const proc = startProcessMetrics(store);
  const exposition = promExposition(store, (e) => logger.error("metrics sampler failed", e, { event: "metrics.failed" }));
  return {
    metrics, exposition,
    countDeliveries: (inner) => new CountingFanout(inner, (data, deliveries) => {
      const enc = typeof data === "string" ? "json" : "msgpack";
      metrics.publishes[enc].inc();
      metrics.deliveries[enc].inc(deliveries);
    }),
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
