/**
 * docs/grafana-dashboard.json is built from exactly hubbub's metric names: every name a panel
 * queries is registered (a renamed metric breaks this test, not a dashboard in production), and
 * every registered metric has a panel.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { HubMetrics } from "./hub-metrics.ts";
import { MetricStore } from "./metric-store.ts";
import { startProcessMetrics } from "./process-metrics.ts";

interface Panel { title: string; type: string; targets?: { expr: string }[] }

function registry(): MetricStore {
  const store = new MetricStore();
  new HubMetrics(store);
  startProcessMetrics(store).stop();
  return store;
}

const dashboard = JSON.parse(readFileSync(new URL("../../docs/grafana-dashboard.json", import.meta.url), "utf8")) as { panels: Panel[]; templating: { list: { definition?: string }[] } };
const exprs = [
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
  ...dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : [])),
];
const used = new Set(exprs.flatMap((e) => e.match(/\bhubbub_[a-z0-9_]+/g) ?? []));

/** The family a queried series belongs to: histograms are queried as _bucket, _sum and _count. */
function familyOf(store: MetricStore, name: string): string | undefined {
  if (store.families.has(name)) return name;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  return m && store.families.get(m[1]!)?.type === "histogram" ? m[1] : undefined;
}

test("every metric name the dashboard queries exists in the registry", () => {
  const store = registry();
  expect(used.size).toBeGreaterThan(10);
  const unknown = [...used].filter((n) => familyOf(store, n) === undefined);
  expect(unknown).toEqual([]);
});

test("every registered metric is on the dashboard", () => {
  const store = registry();
  const shown = new Set([...used].map((n) => familyOf(store, n)));
  expect([...store.families.keys()].filter((n) => !shown.has(n))).toEqual([]);
});

test("every panel that queries has a title and a Prometheus datasource variable", () => {
  for (const p of dashboard.panels.filter((p) => p.type !== "row")) {
    expect(p.title.length).toBeGreaterThan(0);
    expect(p.targets?.length).toBeGreaterThan(0);
    expect(JSON.stringify(p)).toContain('"uid":"${datasource}"');
  }
});
