import { expect, test } from "bun:test";
import { CloseCode, ErrorCode, RETRYABLE_ERRORS, closeAdvice } from "./codes.ts";

test("close advice follows the ranges: 4000-4099 stop, 4100-4199 reconnect, 4200-4299 reconnect now", () => {
  expect(Object.fromEntries(Object.entries(CloseCode).map(([k, c]) => [k, closeAdvice(c)]))).toEqual({
    Normal: "stop",
    GoingAway: "reconnect",
    Abnormal: "reconnect",
    MessageTooBig: "reconnect",
    InternalError: "reconnect",
    Unauthorized: "stop",
    UnsupportedProtocol: "stop",
    Forbidden: "stop",
    PreHelloLimit: "stop",
    HelloTimeout: "reconnect",
    Flood: "reconnect",
    Overloaded: "reconnect",
    HeartbeatTimeout: "reconnect",
    UserConnectionLimit: "reconnect",
    AddressConnectionLimit: "reconnect",
    StoreUnreachable: "reconnect",
    SlowConsumer: "reconnect-now",
    ServerRestart: "reconnect-now",
  });
  // Codes a client does not know yet follow the same rule.
  expect([4000, 4099, 4100, 4199, 4200, 4299, 4300, 3000, 1005].map(closeAdvice))
    .toEqual(["stop", "stop", "reconnect", "reconnect", "reconnect-now", "reconnect-now", "reconnect", "reconnect", "reconnect"]);
});

test("error codes are unique snake_case strings, and only transient ones are retryable", () => {
  const codes = Object.values(ErrorCode);
  expect(new Set(codes).size).toBe(codes.length);
  for (const c of codes) expect(c).toMatch(/^[a-z]+(_[a-z]+)*$/);
  expect([...RETRYABLE_ERRORS].sort()).toEqual(["internal", "overloaded", "rate_limited", "store_unavailable"]);
});
