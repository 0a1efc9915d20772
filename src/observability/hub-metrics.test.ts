import { expect, test } from "bun:test";
import { HubMetrics, clientKind } from "./hub-metrics.ts";
import { type CounterCell, type GaugeCell, MetricStore } from "./metric-store.ts";
import { noopMetrics } from "./metrics.ts";

const setup = () => { const store = new MetricStore(); return { store, m: new HubMetrics(store) }; };
const value = (store: MetricStore, name: string, ...labels: string[]) => (store.read(name, ...labels) as CounterCell | GaugeCell | undefined)?.value;

test("a connection counts as pending until its hello, then as its client kind, and leaves the gauge when it closes", () => {
  const { store, m } = setup();
  m.connectionOpened("msgpack");
  expect(value(store, "hubbub_connections", "msgpack", "pending")).toBe(1);
  m.helloOk("msgpack", "web");
  expect(value(store, "hubbub_connections", "msgpack", "pending")).toBe(0);
  expect(value(store, "hubbub_connections", "msgpack", "web")).toBe(1);
  m.connectionClosed("msgpack", "web", 1000);
  expect(value(store, "hubbub_connections", "msgpack", "web")).toBe(0);
  m.connectionOpened("json");
  m.connectionClosed("json", "", 4100); // never said hello
  expect(value(store, "hubbub_connections", "json", "pending")).toBe(0);
  expect(value(store, "hubbub_connection_closes_total", "4100")).toBe(1);
  expect(value(store, "hubbub_hellos_total", "ok")).toBe(1);
});

test("label values a client chooses are folded into closed sets, so series stay bounded", () => {
  const { store, m } = setup();
  expect(clientKind("cli")).toBe("cli");
  expect(clientKind("x".repeat(40))).toBe("other");
  for (let code = 3000; code < 3100; code++) m.connectionClosed(undefined, "", code);
  expect(value(store, "hubbub_connection_closes_total", "other")).toBe(100);
  expect(store.families.get("hubbub_connection_closes_total")!.children.size).toBeLessThan(25);
});

test("journal totals are brought in as counter increments, so rate() works across scrapes", () => {
  const { store, m } = setup();
  m.sampleJournal({ transactions: 5, failedBatches: 1, queued: 7 });
  m.sampleJournal({ transactions: 9, failedBatches: 1, queued: 0 });
  expect(value(store, "hubbub_commits_total")).toBe(9);
  expect(value(store, "hubbub_commit_failures_total")).toBe(1);
  expect(value(store, "hubbub_journal_queued_events")).toBe(0);
});

test("metrics built on the no-op registry say they are off, so the hot path skips its clock reads", () => {
  expect(new HubMetrics(noopMetrics).enabled).toBe(false);
  expect(setup().m.enabled).toBe(true);
});
