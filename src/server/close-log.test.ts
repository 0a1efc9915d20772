import { expect, test } from "bun:test";
import { CloseCode } from "../protocol/index.ts";
import { causeOf, logClose } from "./close-log.ts";
import type { Hub } from "../actors/hub.ts";
import { HubMetrics } from "../observability/hub-metrics.ts";
import { type CounterCell, type GaugeCell, MetricStore } from "../observability/metric-store.ts";
import { silentLogger } from "../observability/log.ts";

test("every close code hubbub sends has a named cause in the conn.close line (none is logged as 'other')", () => {
  const unnamed = Object.entries(CloseCode).filter(([, code]) => causeOf(code)[0] === "other").map(([name]) => name);
  expect(unnamed).toEqual([]);
});

test("the per-user and per-address connection caps are logged at warn, like the other limits an operator acts on", () => {
  expect(causeOf(CloseCode.UserConnectionLimit)).toEqual(["user_connection_limit", "warn"]);
  expect(causeOf(CloseCode.AddressConnectionLimit)).toEqual(["address_connection_limit", "warn"]);
  expect(causeOf(CloseCode.Flood)).toEqual(["rate_limit", "warn"]);
});

test("a socket refused in open() (per-address cap, 4105) counts its close code but takes nothing off the open-connections gauge", () => {
  const store = new MetricStore();
  const hub = { metrics: new HubMetrics(store), logger: silentLogger } as unknown as Hub;
  const gauge = () => (store.read("hubbub_connections", "json", "pending") as GaugeCell | undefined)?.value ?? 0;
  hub.metrics.connectionOpened("json"); // one real connection, still before its hello
  logClose(hub, { encoding: "json", preHelloFrames: 0, preHelloBytes: 0, openedAt: performance.now() }, CloseCode.AddressConnectionLimit, "cap");
  expect(gauge()).toBe(1);
  expect((store.read("hubbub_connection_closes_total", "4105") as CounterCell | undefined)?.value).toBe(1);
});
