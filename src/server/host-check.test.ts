import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { hostAllowed, hostName, hostPolicy } from "./host-check.ts";

const allowed = (host: string, allowedHosts: string[], header: string | null) => hostAllowed(hostPolicy({ host, allowedHosts }), header);

describe("Host allow-list", () => {
  test("a loopback bind answers to localhost, 127.0.0.1 and [::1], with any port, and to nothing else", () => {
    for (const h of ["127.0.0.1", "127.0.0.1:8080", "localhost", "LOCALHOST:80", "localhost.", "[::1]", "[::1]:8080"]) {
      expect({ h, ok: allowed("127.0.0.1", [], h) }).toEqual({ h, ok: true });
    }
    for (const h of ["evil.example", "evil.example:8080", "127.0.0.1.evil.example", "localhost.evil.example", "10.0.0.1", "", "a b", "x:y:z", "[::1", "user@localhost", "localhost/x"]) {
      expect({ h, ok: allowed("127.0.0.1", [], h) }).toEqual({ h, ok: false });
    }
    expect(allowed("127.0.0.1", [], null)).toBe(false);
    expect(allowed("localhost", [], "127.0.0.1:1")).toBe(true);
    expect(allowed("::1", [], "localhost:1")).toBe(true);
  });

  test("a named bind answers to its name; --allowed-hosts adds names; * turns the check off", () => {
    expect(allowed("chat.internal", [], "chat.internal:8080")).toBe(true);
    expect(allowed("chat.internal", [], "localhost:8080")).toBe(false);
    expect(allowed("10.1.2.3", ["chat.example.com"], "chat.example.com")).toBe(true);
    expect(allowed("10.1.2.3", ["chat.example.com"], "10.1.2.3:443")).toBe(true);
    expect(allowed("10.1.2.3", ["chat.example.com"], "evil.example")).toBe(false);
    expect(allowed("127.0.0.1", ["*"], "anything.example")).toBe(true);
  });

  test("a wildcard bind answers to localhost and any IP literal, but to no other name unless listed", () => {
    for (const bind of ["0.0.0.0", "::"]) {
      expect(allowed(bind, [], "192.168.1.20:8080")).toBe(true);
      expect(allowed(bind, [], "[2001:db8::1]:8080")).toBe(true);
      expect(allowed(bind, [], "localhost")).toBe(true);
      expect(allowed(bind, [], "evil.example")).toBe(false);
      expect(allowed(bind, ["chat.example"], "chat.example")).toBe(true);
    }
  });

  test("hostName drops the port and brackets, and refuses what is not a host", () => {
    expect(hostName("Example.COM:8080")).toBe("example.com");
    expect(hostName("[::1]:80")).toBe("::1");
    expect(hostName("[::1]x")).toBeUndefined();
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 40 }), (s) => {
      const n = hostName(s);
      if (n !== undefined) expect(n).not.toMatch(/[\s/@]/);
      expect(typeof allowed("127.0.0.1", [], s)).toBe("boolean");
    }), { numRuns: 500, seed: 6 });
  });
});
