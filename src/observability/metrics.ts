/**
 * The metrics port: counters, gauges and histograms, in families with labels.
 *
 * Hot-path rule: look a labelled child up once (`family.labels("send")`) and keep it; `inc` and
 * `observe` on a child are then a few arithmetic operations with no allocation. HubMetrics
 * (hub-metrics.ts) pre-binds every child hubbub uses. Label values must come from small
 * closed sets (never a user name, a room or anything a client chooses freely): each distinct
 * value is a series kept forever.
 *
 * Implementations: MetricStore (metric-store.ts, the real one and the in-memory twin: plain
 * number cells, read by the Prometheus exposition in metrics-prom.ts) and `noopMetrics` below
 * (`--metrics off`).
 */

export interface Counter {
  /** Adds `n` (default 1; never negative). */
  inc(n?: number): void;
}

export interface Gauge {
  set(value: number): void;
  inc(n?: number): void;
  dec(n?: number): void;
}

export interface Histogram {
  observe(value: number): void;
}

/** A metric with labels: `labels(...values)` returns the child for those values, in `labelNames` order. */
export interface Family<T> {
  labels(...values: string[]): T;
}

export interface MetricDef {
  /** Prometheus name: `hubbub_…`, counters end in `_total`, units in the name (`_seconds`, `_bytes`). */
  name: string;
  help: string;
  labelNames?: readonly string[];
}

export interface HistogramDef extends MetricDef {
  /** Upper bounds of the buckets, increasing (the +Inf bucket is implied). */
  buckets: readonly number[];
}

export interface Metrics {
  counter(def: MetricDef): Family<Counter>;
  gauge(def: MetricDef): Family<Gauge>;
  histogram(def: HistogramDef): Family<Histogram>;
  /** Runs `sample` before every scrape: for gauges read from elsewhere (RSS, queue depths). */
  onCollect(sample: () => void): void;
}

const noop = { inc() {}, dec() {}, set() {}, observe() {} };
const noopFamily = { labels: () => noop };

/** Metrics switched off: every child is one shared object that does nothing. */
export const noopMetrics: Metrics = {
  counter: () => noopFamily,
  gauge: () => noopFamily,
  histogram: () => noopFamily,
  onCollect() {},
};
