/**
 * The log port's contract, run against every adapter (log.test.ts). `make` returns a logger at
 * `level` and a function that reads back what it wrote, as parsed entries.
 */
import { expect, test } from "bun:test";
import type { LogFields, Logger, LogLevel } from "./log.ts";

export type LoggerFactory = (level: LogLevel) => { logger: Logger; read: () => (LogFields & { level: string; msg: string })[] };

export function logContract(name: string, make: LoggerFactory): void {
  test(`${name}: writes one entry per call with its level, message and fields`, () => {
    const { logger, read } = make("debug");
    logger.debug("d", { event: "x.debug", n: 1 });
    logger.info("i", { event: "conn.open", conn: 7 });
    logger.warn("w");
    logger.error("e", new Error("boom"), { event: "commit.failed" });
    const got = read();
    expect(got.map((e) => [e.level, e.msg])).toEqual([["debug", "d"], ["info", "i"], ["warn", "w"], ["error", "e"]]);
    expect(got[1]).toMatchObject({ event: "conn.open", conn: 7 });
    expect(got[3]).toMatchObject({ event: "commit.failed", err: { type: "Error", message: "boom" } });
    expect(String((got[3]!.err as { stack: string }).stack)).toContain("boom");
  });

  test(`${name}: drops entries below its level`, () => {
    const { logger, read } = make("warn");
    logger.debug("no");
    logger.info("no");
    logger.warn("yes");
    logger.error("yes too", "a string thrown");
    expect(read().map((e) => e.msg)).toEqual(["yes", "yes too"]);
    expect(read()[1]!.err).toMatchObject({ message: "a string thrown" });
  });

  test(`${name}: "silent" writes nothing`, () => {
    const { logger, read } = make("silent");
    logger.error("nothing", new Error("x"));
    expect(read()).toEqual([]);
  });

  test(`${name}: never writes message text, bodies or credentials, even when a caller passes them`, () => {
    const { logger, read } = make("info");
    logger.info("careless", { text: "secret words", token: "eyJhbGciOi.secret.sig", frame: { text: "nested secret", body: { a: 1 } }, conn: 3 });
    const got = read();
    const line = JSON.stringify(got);
    for (const s of ["secret words", "eyJhbGciOi", "nested secret"]) expect(line).not.toContain(s);
    expect(got[0]).toMatchObject({ text: "[redacted]", token: "[redacted]", frame: { text: "[redacted]", body: "[redacted]" }, conn: 3 });
  });
}
