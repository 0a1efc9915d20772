/**
 * Prometheus exposition of a MetricStore through prom-client: one prom-client Registry whose
 * metrics read the store's cells when scraped. prom-client owns the text format (HELP/TYPE
 * lines, label escaping, +Inf/NaN, the content type); the hot path never touches it (see
 * metric-store.ts for why).
 */
import type { Registry as PromRegistry } from "prom-client";
// @ts-expect-error prom-client declares types for its index only; this file's export is the index's `Registry`.
import RegistryModule from "prom-client/lib/registry.js";
import { CounterCell, GaugeCell, HistogramCell, type MetricStore, type StoredFamily } from "./metric-store.ts";

/**
 * Only the registry, not the package's index: the index also loads the cluster aggregator, the
 * push gateway and the default metrics (node:cluster, node:http, perf_hooks…), which this
 * exposition never uses and which cost 13 MB of RSS in every server process (bench/rss.ts: a
 * fresh node's RSS after a full GC). prom-client has no `exports` map, so the file is public.
 */
// A static import (not createRequire) so `bun build --compile` bundles it into the one-file binary.
const Registry = RegistryModule as typeof PromRegistry;

interface Sample { metricName?: string; labels: Record<string, string | number>; value: number }

/** What prom-client's registry asks of a metric: its name, help, type and a `get()` that returns the samples. */
interface CollectedMetric {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  aggregator: "sum";
  get(): Promise<{ name: string; help: string; type: string; aggregator: "sum"; values: Sample[] }>;
}

function labelsOf(f: StoredFamily, values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  f.labelNames.forEach((n, i) => { out[n] = values[i]!; });
  return out;
}

function samples(f: StoredFamily): Sample[] {
  const out: Sample[] = [];
  for (const { values, cell } of f.children.values()) {
    const labels = labelsOf(f, values);
    if (cell instanceof HistogramCell) {
      let cumulative = 0;
      cell.bounds.forEach((le, i) => {
        cumulative += cell.counts[i]!;
        out.push({ metricName: `${f.name}_bucket`, labels: { ...labels, le }, value: cumulative });
      });
      out.push({ metricName: `${f.name}_bucket`, labels: { ...labels, le: "+Inf" }, value: cell.count });
      out.push({ metricName: `${f.name}_sum`, labels, value: cell.sum });
      out.push({ metricName: `${f.name}_count`, labels, value: cell.count });
    } else if (cell instanceof CounterCell || cell instanceof GaugeCell) {
      out.push({ labels, value: cell.value });
    }
  }
  return out;
}

export interface Exposition {
  contentType: string;
  /** Runs the store's samplers, then renders every family in the text exposition format. */
  render(): Promise<string>;
}

export function promExposition(store: MetricStore, onSamplerError?: (e: unknown) => void): Exposition {
  const registry = new Registry();
  const registered = new Set<string>();
  /** Families defined after this exposition was made are picked up at the next scrape. */
  const sync = () => { for (const f of store.families.values()) if (!registered.has(f.name)) register(f); };
  const register = (f: StoredFamily) => {
    registered.add(f.name);
    const metric: CollectedMetric = {
      name: f.name, help: f.help, type: f.type, aggregator: "sum",
      get: async () => ({ name: f.name, help: f.help, type: f.type, aggregator: "sum", values: samples(f) }),
    };
    // prom-client's type wants one of its own metric classes; the registry only calls `get()`
    // and reads name/help/type, which CollectedMetric provides.
    registry.registerMetric(metric as unknown as Parameters<PromRegistry["registerMetric"]>[0]);
  };
  sync();
  return {
    contentType: registry.contentType,
    render: async () => {
      store.collect(onSamplerError);
      sync();
      return registry.metrics();
    },
  };
}
