import { describe, expect, test } from "bun:test";
import { hostname } from "node:os";
import { ConfigError, DEFAULTS, nodeName, parseConfig } from "./config.ts";

describe("cluster flags: --store and --node-id", () => {
  test("unset by default: the single-node SQLite store", () => {
    expect(parseConfig([], {}).store).toBeUndefined();
    expect(DEFAULTS.store).toBeUndefined();
  });

  test("--store takes a postgres URL, from the flag or HUBBUB_STORE (the flag wins)", () => {
    expect(parseConfig(["--store", "postgres://u@db:5432/chat"], {}).store).toBe("postgres://u@db:5432/chat");
    expect(parseConfig([], { HUBBUB_STORE: "postgresql://db/chat" }).store).toBe("postgresql://db/chat");
    expect(parseConfig(["--store", "postgres://a/x"], { HUBBUB_STORE: "postgres://b/y" }).store).toBe("postgres://a/x");
  });

  test("--store refuses what is not a postgres URL, and an in-memory replica", () => {
    for (const bad of ["redis://localhost", "hubbub.db", "postgres:/nohost oops", "sqlite://x"]) {
      expect(() => parseConfig(["--store", bad], {})).toThrow(ConfigError);
    }
    expect(() => parseConfig(["--store", "postgres://db/x", "--db", ":memory:"], {})).toThrow(/on-disk --db/);
  });

  test("--node-id is validated; unset, the node is named hostname-pid", () => {
    expect(nodeName(parseConfig(["--node-id", "n-1.eu_west"], {}))).toBe("n-1.eu_west");
    expect(nodeName(parseConfig([], { HUBBUB_NODE_ID: "n2" }))).toBe("n2");
    expect(nodeName(parseConfig([], {}))).toBe(`${hostname()}-${process.pid}`);
    for (const bad of ["has space", "x".repeat(65), "semi;colon", "ü"]) expect(() => parseConfig(["--node-id", bad], {})).toThrow(ConfigError);
  });
});
