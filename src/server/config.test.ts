import { describe, expect, test } from "bun:test";
import { ConfigError, DEFAULTS, FLAGS, finish, helpText, isLoopback, parseConfig, type Config } from "./config.ts";

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof Config;
/** A value each flag accepts, and what it becomes. */
const SAMPLE: Record<string, [string, unknown]> = {
  synchronous: ["NORMAL", "NORMAL"],
  auth: ["dev", "dev"],
  host: ["127.0.0.2", "127.0.0.2"], // dev auth (the default) refuses a non-loopback host
  "allowed-origins": ["https://a.example, https://b.example", ["https://a.example", "https://b.example"]],
  "log-level": ["debug", "debug"],
  "log-format": ["pretty", "pretty"],
  metrics: ["off", "off"],
  "heartbeat-ms": ["700", 700], // at least 100
  "allowed-hosts": ["chat.example, [::1]", ["chat.example", "[::1]"]],
  store: ["postgres://db.example/chat", "postgres://db.example/chat"],
  "trusted-proxies": ["10.0.0.0/8, ::1", ["10.0.0.0/8", "::1"]],
  "presence-timeout-ms": ["3000", 3000],
  "store-timeout-ms": ["3000", 3000],
};
const SECRET32 = "a-jwt-secret-of-at-least-32-bytes!";
SAMPLE["jwt-secret"] = [SECRET32, SECRET32];
/** Flags that mean something only with another one given too. */
const NEEDS: Record<string, string[]> = { "jwt-audience": ["--jwt-secret", SECRET32], "jwt-issuer": ["--jwt-secret", SECRET32] };
const sample = (flag: string, kind: string): [string, unknown] => SAMPLE[flag] ?? (kind === "number" ? ["7", 7] : [`v-${flag}`, `v-${flag}`]);

describe("config", () => {
  test("no flags and no env give the defaults", () => {
    expect(parseConfig([], {})).toEqual(DEFAULTS);
  });

  test("a cluster node's replica defaults to synchronous NORMAL (PostgreSQL is the record); an explicit --synchronous wins", () => {
    const store = ["--store", "postgres://db.example/chat"];
    expect(parseConfig(store, {}).synchronous).toBe("NORMAL");
    expect(parseConfig([...store, "--synchronous", "FULL"], {}).synchronous).toBe("FULL");
    expect(parseConfig(store, { HUBBUB_SYNCHRONOUS: "FULL" }).synchronous).toBe("FULL");
    expect(parseConfig([], {}).synchronous).toBe("FULL");
  });

  test("every setting can be given by its flag or by its env var, and both forms of flag work", () => {
    for (const [flag, [envName, kind]] of Object.entries(FLAGS)) {
      const key = camel(flag);
      if (kind === "boolean") {
        expect(DEFAULTS[key]).toBe(false);
        expect<unknown>(parseConfig([`--${flag}`], {})[key]).toBe(true);
        expect<unknown>(parseConfig([], { [envName]: "1" })[key]).toBe(true);
        expect<unknown>(parseConfig([], { [envName]: "false" })[key]).toBe(false);
        continue;
      }
      const [raw, value] = sample(flag, kind);
      const needs = NEEDS[flag] ?? [];
      expect(key in DEFAULTS).toBe(true);
      expect<unknown>(parseConfig([...needs, `--${flag}`, raw], {})[key]).toEqual(value);
      expect<unknown>(parseConfig([...needs, `--${flag}=${raw}`], {})[key]).toEqual(value);
      expect<unknown>(parseConfig(needs, { [envName]: raw })[key]).toEqual(value);
    }
  });

  test("a flag beats its env var, which beats the default; an empty env var counts as unset", () => {
    expect(parseConfig(["--port", "9000"], { HUBBUB_PORT: "7000" }).port).toBe(9000);
    expect(parseConfig([], { HUBBUB_PORT: "7000" }).port).toBe(7000);
    expect(parseConfig([], { HUBBUB_PORT: "" }).port).toBe(DEFAULTS.port);
    expect(parseConfig(["--db", ":memory:"], { HUBBUB_DB: "/tmp/x.db", HUBBUB_HOST: "0.0.0.0", HUBBUB_INSECURE_DEV_ON_NETWORK: "yes" })).toMatchObject({ db: ":memory:", host: "0.0.0.0" });
  });

  test("a JWT secret switches auth to jwt unless auth was chosen explicitly", () => {
    expect(parseConfig(["--jwt-secret", SECRET32], {})).toMatchObject({ auth: "jwt", jwtSecret: SECRET32 });
    expect(parseConfig([], { HUBBUB_JWT_SECRET: SECRET32 }).auth).toBe("jwt");
    expect(finish({ ...DEFAULTS, jwtSecret: SECRET32 }, { jwtSecret: SECRET32 }).auth).toBe("jwt");
  });

  test("contradictory or weak token settings are refused at start-up, saying why", () => {
    // It used to run in dev mode, trusting every name, with a secret that did nothing.
    expect(() => parseConfig(["--jwt-secret", SECRET32, "--auth", "dev"], {})).toThrow(/--auth dev contradicts --jwt-secret/);
    expect(() => parseConfig(["--auth", "dev"], { HUBBUB_JWT_SECRET: SECRET32 })).toThrow(/--auth dev contradicts/);
    expect(() => parseConfig(["--jwt-audience", "hubbub"], {})).toThrow(/--jwt-audience need --jwt-secret/);
    expect(() => parseConfig(["--jwt-issuer", "me"], {})).toThrow(/--jwt-issuer need --jwt-secret/);
    expect(() => parseConfig(["--jwt-secret", "k"], {})).toThrow(/at least 32 bytes/);
    expect(() => parseConfig(["--jwt-secret", "x".repeat(31)], {})).toThrow(/at least 32 bytes/);
    expect(parseConfig(["--jwt-secret", "x".repeat(32)], {}).auth).toBe("jwt");
    expect(() => parseConfig(["--jwt-secret", SECRET32, "--jwt-max-lifetime", "0"], {})).toThrow(/--jwt-max-lifetime/);
    expect(parseConfig(["--jwt-secret", SECRET32, "--jwt-max-lifetime", "3600", "--jwt-audience", "hubbub", "--jwt-issuer", "https://id.example"], {}))
      .toMatchObject({ jwtMaxLifetime: 3600, jwtAudience: "hubbub", jwtIssuer: "https://id.example" });
  });

  test("bad values are a ConfigError that names the flag", () => {
    const bad: [string[], Record<string, string>, RegExp][] = [
      [["--port", "abc"], {}, /--port/],
      [["--port=-1"], {}, /--port/],
      [[], { HUBBUB_PORT: "eighty" }, /HUBBUB_PORT/],
      [[], { HUBBUB_MAX_PAYLOAD: "1e999" }, /--max-payload/],
      [["--rate-limit", "NaN"], {}, /--rate-limit/],
      [["--port", "70000"], {}, /--port/],
      [["--idle-timeout", "961"], {}, /--idle-timeout/],
      [["--synchronous", "OFF"], {}, /--synchronous/],
      [["--auth", "magic"], {}, /--auth/],
      [["--auth", "jwt"], {}, /--jwt-secret/],
      [["--no-such-flag", "1"], {}, /no-such-flag/],
      [["positional"], {}, /positional/i],
      [["--port"], {}, /--port/],
      [["--commit-max-events", "0"], {}, /--commit-max-events/],
      [["--heartbeat-ms", "0"], {}, /--heartbeat-ms/],
      [["--reuse-port=yes"], {}, /reuse-port/],
      [[], { HUBBUB_REUSE_PORT: "maybe" }, /HUBBUB_REUSE_PORT/],
      [["--host", "0.0.0.0"], {}, /--insecure-dev-on-network/],
      [["--host", "192.168.1.10", "--auth", "dev"], {}, /--insecure-dev-on-network/],
      [["--log-level", "loud"], {}, /--log-level/],
      [[], { HUBBUB_LOG_FORMAT: "xml" }, /--log-format/],
      [["--metrics", "maybe"], {}, /--metrics/],
    ];
    for (const [argv, env, message] of bad) {
      let err: unknown;
      try { parseConfig(argv, env); } catch (e) { err = e; }
      if (!(err instanceof ConfigError)) throw new Error(`${JSON.stringify([argv, env])} gave ${err === undefined ? "no error" : String(err)}`);
      expect(err.message).toMatch(message);
    }
  });

  test("numbers accept what Number() reads (1e3, 0.5); limits at their bounds are fine", () => {
    expect(parseConfig(["--max-text", "1e3", "--rate-limit", "0.5", "--port", "65535", "--idle-timeout", "960", "--retain", "0"], {}))
      .toMatchObject({ maxText: 1000, rateLimit: 0.5, port: 65535, idleTimeout: 960, retain: 0 });
  });

  test("--help text lists every flag with its env var and default", () => {
    const help = helpText();
    for (const [flag, [envName]] of Object.entries(FLAGS)) {
      const line = help.split("\n").find((l) => l.trim().startsWith(`--${flag} `));
      expect(line).toBeDefined();
      expect(line).toContain(envName);
    }
    expect(help).toContain(String(DEFAULTS.port));
  });

  test("dev auth listens on loopback only, unless --insecure-dev-on-network; jwt auth anywhere", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"]) expect(isLoopback(h)).toBe(true);
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "192.168.1.10", "example.com", "128.0.0.1"]) expect(isLoopback(h)).toBe(false);
    expect(parseConfig(["--host", "0.0.0.0", "--insecure-dev-on-network"], {})).toMatchObject({ host: "0.0.0.0", auth: "dev" });
    expect(parseConfig(["--host", "0.0.0.0", "--jwt-secret", SECRET32], {})).toMatchObject({ host: "0.0.0.0", auth: "jwt" });
    expect(() => finish({ ...DEFAULTS, host: "::" })).toThrow(ConfigError);
  });
});
