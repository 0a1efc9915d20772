import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { clientAddress, parseTrustedProxies } from "./client-address.ts";

describe("client address behind trusted proxies", () => {
  const proxies = parseTrustedProxies(["10.0.0.0/8", "::1", "192.168.7.7"]);

  test("without trusted proxies, or from a peer that is not one, X-Forwarded-For is ignored", () => {
    expect(clientAddress("203.0.113.9", "198.51.100.1", parseTrustedProxies([]))).toBe("203.0.113.9");
    expect(clientAddress("203.0.113.9", "198.51.100.1", proxies)).toBe("203.0.113.9");
  });

  test("from a trusted proxy: the rightmost hop that is not a trusted proxy", () => {
    expect(clientAddress("10.1.2.3", "198.51.100.1", proxies)).toBe("198.51.100.1");
    // The client wrote the first entry itself; the proxies appended the rest.
    expect(clientAddress("10.1.2.3", "6.6.6.6, 198.51.100.1, 192.168.7.7", proxies)).toBe("198.51.100.1");
    expect(clientAddress("::1", "2001:db8::5", proxies)).toBe("2001:db8::5");
    expect(clientAddress("::ffff:10.0.0.1", "::ffff:198.51.100.2", proxies)).toBe("198.51.100.2");
  });

  test("garbage in the header stops the walk at the last good hop; no header keeps the peer", () => {
    expect(clientAddress("10.1.2.3", "not-an-ip", proxies)).toBe("10.1.2.3");
    expect(clientAddress("10.1.2.3", "198.51.100.1, evil", proxies)).toBe("10.1.2.3");
    expect(clientAddress("10.1.2.3", "evil, 198.51.100.1", proxies)).toBe("198.51.100.1");
    expect(clientAddress("10.1.2.3", null, proxies)).toBe("10.1.2.3");
    expect(clientAddress(undefined, "198.51.100.1", proxies)).toBeUndefined();
  });

  test("entries that are not addresses or ranges are refused, naming the entry", () => {
    for (const bad of ["10.0.0.0/33", "nope", "10.0.0.1/", "::1/129", "1.2.3.4/8/9", "10.0.0.0/x"]) {
      expect(() => parseTrustedProxies([bad])).toThrow(`"${bad}"`);
    }
  });

  test("property: whatever a client writes before the proxies' hops, the result is an address the client cannot choose unless no proxy vouched", () => {
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
    fc.assert(fc.property(fc.array(fc.oneof(ipv4, fc.string({ maxLength: 20 })), { maxLength: 40 }), ipv4, (forged, real) => {
      fc.pre(!proxies.has(real));
      // The proxy chain: the real client, then two trusted proxies that appended their peers.
      const header = [...forged, real, "10.9.9.9"].join(", ");
      expect(clientAddress("10.0.0.1", header, proxies)).toBe(real);
    }));
  });

  test("a header of any length costs a bounded walk", () => {
    const long = `${"1.1.1.1, ".repeat(100_000)}198.51.100.1`;
    expect(clientAddress("10.0.0.1", long, proxies)).toBe("198.51.100.1");
    const allTrusted = Array.from({ length: 1000 }, () => "10.0.0.2").join(",");
    expect(clientAddress("10.0.0.1", allTrusted, proxies)).toBe("10.0.0.2");
  });
});
