import { expect, test } from "bun:test";
import { Writable } from "node:stream";
import { memoryLogger } from "./log.ts";
import { logContract } from "./log.contract.ts";
import { pinoLogger } from "./log-pino.ts";

logContract("memory logger", (level) => {
  const logger = memoryLogger(level);
  return { logger, read: () => logger.entries };
});

/** pino writing NDJSON into a buffer: every line must be one JSON object. */
function capture(): { destination: { write(s: string): void }; lines: () => string[] } {
  let out = "";
  return { destination: { write: (s: string) => void (out += s) }, lines: () => out.split("\n").filter(Boolean) };
}

logContract("pino logger (NDJSON)", (level) => {
  const c = capture();
  return { logger: pinoLogger({ level, format: "json", destination: c.destination }), read: () => c.lines().map((l) => JSON.parse(l)) };
});

test("pino NDJSON lines carry an ISO time, the level by name and the pid", () => {
  const c = capture();
  pinoLogger({ level: "info", format: "json", destination: c.destination }).info("hello", { event: "x" });
  const [line] = c.lines();
  const e = JSON.parse(line!);
  expect(e).toMatchObject({ level: "info", msg: "hello", event: "x", pid: process.pid });
  expect(new Date(e.time).toISOString()).toBe(e.time);
});

test("pino pretty mode writes readable lines, not JSON, without colours when asked", () => {
  let out = "";
  const destination = new Writable({ write(chunk, _enc, done) { out += String(chunk); done(); } });
  const log = pinoLogger({ level: "info", format: "pretty", destination, colorize: false });
  log.warn("slow consumer closed", { event: "conn.close", code: 4200 });
  expect(out).toMatch(/WARN.*slow consumer closed/);
  expect(out).toContain("\"code\":4200");
  expect(out.trim().split("\n")).toHaveLength(1); // one line per entry, fields inline
  expect(() => JSON.parse(out.split("\n")[0]!)).toThrow();
});
