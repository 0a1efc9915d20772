import { expect, test } from "bun:test";
import { CounterCell, GaugeCell, HistogramCell, MetricStore } from "./metric-store.ts";
import { promExposition } from "./metrics-prom.ts";
import { noopMetrics } from "./metrics.ts";

test("a child looked up twice is the same cell, and counts what it is given", () => {
  const m = new MetricStore();
  const frames = m.counter({ name: "t_frames_total", help: "frames", labelNames: ["type"] });
  frames.labels("send").inc();
  frames.labels("send").inc(2);
  frames.labels("join").inc();
  expect(frames.labels("send")).toBe(frames.labels("send"));
  expect((m.read("t_frames_total", "send") as CounterCell).value).toBe(3);
  expect((m.read("t_frames_total", "join") as CounterCell).value).toBe(1);
});

test("gauges go up and down; histograms put each value in the first bucket that holds it", () => {
  const m = new MetricStore();
  const g = m.gauge({ name: "t_open", help: "open" }).labels();
  g.inc(); g.inc(); g.dec(); g.set(g instanceof GaugeCell ? g.value + 5 : 0);
  expect((m.read("t_open") as GaugeCell).value).toBe(6);
  const h = m.histogram({ name: "t_seconds", help: "h", buckets: [0.1, 1] }).labels();
  for (const v of [0.05, 0.1, 0.5, 3]) h.observe(v);
  const cell = m.read("t_seconds") as HistogramCell;
  expect([...cell.counts]).toEqual([2, 1, 1]);
  expect(cell.count).toBe(4);
  expect(cell.sum).toBeCloseTo(3.65);
});

test("a family refuses the wrong number of labels, a name defined twice and buckets out of order", () => {
  const m = new MetricStore();
  const f = m.counter({ name: "t_total", help: "x", labelNames: ["a"] });
  expect(() => f.labels()).toThrow(/takes labels/);
  expect(() => m.counter({ name: "t_total", help: "x" })).toThrow(/twice/);
  expect(() => m.histogram({ name: "t_h", help: "x", buckets: [1, 1] })).toThrow(/increase/);
  expect(() => m.gauge({ name: "bad name", help: "x" })).toThrow(/bad metric name/);
});

test("the exposition is Prometheus text: HELP and TYPE, labelled samples, cumulative buckets with +Inf, sum and count", async () => {
  const m = new MetricStore();
  m.counter({ name: "t_closes_total", help: "closes by code", labelNames: ["code"] }).labels("4200").inc(2);
  m.gauge({ name: "t_rss_bytes", help: "rss" });
  let sampled = 0;
  const rss = m.gauge({ name: "t_lag_seconds", help: "lag" }).labels();
  m.onCollect(() => { sampled += 1; rss.set(0.25); });
  const h = m.histogram({ name: "t_commit_seconds", help: "commit", buckets: [0.001, 0.01] }).labels();
  h.observe(0.0005); h.observe(0.005); h.observe(1);
  const expo = promExposition(m);
  const text = await expo.render();
  expect(expo.contentType).toContain("text/plain; version=0.0.4");
  expect(sampled).toBe(1);
  expect(text).toContain("# HELP t_closes_total closes by code\n# TYPE t_closes_total counter\nt_closes_total{code=\"4200\"} 2");
  expect(text).toContain("# TYPE t_rss_bytes gauge");
  expect(text).toContain("t_lag_seconds 0.25");
  expect(text).toContain("# TYPE t_commit_seconds histogram");
  expect(text).toContain('t_commit_seconds_bucket{le="0.001"} 1\nt_commit_seconds_bucket{le="0.01"} 2\nt_commit_seconds_bucket{le="+Inf"} 3');
  expect(text).toContain("t_commit_seconds_sum 1.0055");
  expect(text).toContain("t_commit_seconds_count 3");
});

test("label values are escaped in the exposition", async () => {
  const m = new MetricStore();
  m.counter({ name: "t_total", help: "x", labelNames: ["v"] }).labels('a"b\\c\nd').inc();
  expect(await promExposition(m).render()).toContain('t_total{v="a\\"b\\\\c\\nd"} 1');
});

test("a sampler that throws is reported and the scrape still answers", async () => {
  const m = new MetricStore();
  m.counter({ name: "t_total", help: "x" }).labels().inc();
  m.onCollect(() => { throw new Error("sampler broke"); });
  const errors: unknown[] = [];
  expect(await promExposition(m, (e) => errors.push(e)).render()).toContain("t_total 1");
  expect(errors).toHaveLength(1);
});

test("noop metrics accept every call and keep nothing", () => {
  const c = noopMetrics.counter({ name: "x_total", help: "x", labelNames: ["a"] }).labels("b");
  c.inc();
  noopMetrics.histogram({ name: "h", help: "h", buckets: [1] }).labels().observe(3);
  expect(c).toBe(noopMetrics.gauge({ name: "g", help: "g" }).labels() as never);
});
