import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { ConnectionGate, addressKey } from "./connection-gate.ts";

let now = 0;
let spy: { mockRestore(): void } | undefined;
afterEach(() => { spy?.mockRestore(); spy = undefined; });

describe("ConnectionGate", () => {
  test("connection attempts per address: a burst, then refused until the bucket refills; other addresses unaffected", () => {
    spy = spyOn(performance, "now").mockImplementation(() => now);
    const gate = new ConnectionGate({ connectRateLimit: 10, maxConnectionsPerIp: 0 }); // burst 20
    const first = Array.from({ length: 25 }, () => gate.attempt("10.0.0.1"));
    expect(first.filter(Boolean).length).toBe(20);
    expect(gate.attempt("10.0.0.2")).toBe(true);
    now += 500; // 5 more
    expect(Array.from({ length: 6 }, () => gate.attempt("10.0.0.1")).filter(Boolean).length).toBe(5);
  });

  test("open connections per address: at most the maximum; a close frees a slot; 0 means no maximum", () => {
    const gate = new ConnectionGate({ connectRateLimit: 0, maxConnectionsPerIp: 3 });
    expect([1, 2, 3, 4].map(() => gate.opened("a"))).toEqual([true, true, true, false]);
    expect(gate.opened("b")).toBe(true);
    gate.closed("a");
    expect([gate.opened("a"), gate.opened("a")]).toEqual([true, false]);
    const open = new ConnectionGate({ connectRateLimit: 0, maxConnectionsPerIp: 0 });
    expect(Array.from({ length: 500 }, () => open.opened("a")).every(Boolean)).toBe(true);
  });

  test("0 turns the limit off", () => {
    const gate = new ConnectionGate({ connectRateLimit: 0, maxConnectionsPerIp: 0 });
    expect(Array.from({ length: 1000 }, () => gate.attempt("x")).every(Boolean)).toBe(true);
  });
});

describe("addressKey", () => {
  test("IPv4 as is (also IPv4-mapped), IPv6 by its /64, nothing as local", () => {
    expect(addressKey("192.0.2.7")).toBe("192.0.2.7");
    expect(addressKey("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(addressKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8:1:2::9")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0DB8:0001:0002:ffff::1%eth0")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey(undefined)).toBe("local");
    expect(addressKey(null)).toBe("local");
  });
});
