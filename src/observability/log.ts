/**
 * The log port: what the server and the actors write to the operator's log. The real adapter is
 * pino (log-pino.ts); tests use `memoryLogger()`, which keeps entries to inspect, or `silentLogger`.
 *
 * Contract (log.contract.ts checks it on every adapter):
 * - one entry per call, at the call's level, dropped below the configured level;
 * - `msg` is for people, `fields.event` is the stable machine name of what happened (see
 *   docs/observability.md for the table of events);
 * - an error is logged as `err: {type, message, stack}`;
 * - values under the keys in REDACTED_KEYS never reach the output, whatever the caller passed:
 *   a message's text or body and credentials must not be in a log (defence in depth: callers
 *   do not pass them in the first place).
 */

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, error?: unknown, fields?: LogFields): void;
}

/** Keys whose values are replaced by "[redacted]", at the top level and in any plain object inside it. */
export const REDACTED_KEYS = ["text", "body", "token", "authorization", "jwtSecret", "adminToken", "metricsToken"] as const;
export const REDACTED = "[redacted]";

const RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/** Whether an entry at `level` passes a logger set to `threshold`. */
export const enabled = (level: LogLevel, threshold: LogLevel): boolean => RANK[level] >= RANK[threshold];

export const isLogLevel = (s: string): s is LogLevel => (LOG_LEVELS as readonly string[]).includes(s);

/** `err` as the log shows it: an Error's type, message and stack, or the thrown value as a string. */
export function serializeError(e: unknown): { type: string; message: string; stack?: string } {
  if (e instanceof Error) return { type: e.name, message: e.message, stack: e.stack };
  return { type: typeof e, message: String(e) };
}

const SECRET_KEYS: ReadonlySet<string> = new Set(REDACTED_KEYS);

/** The values redaction looks inside: plain objects (not arrays, not errors, not null). */
const isNested = (v: unknown): v is LogFields => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Error);

/** Whether `redact` would change `fields`: a key in REDACTED_KEYS, at any depth of plain objects. */
export function needsRedaction(fields: LogFields): boolean {
  for (const k in fields) {
    if (SECRET_KEYS.has(k)) return true;
    const v = fields[k];
    if (isNested(v) && needsRedaction(v)) return true;
  }
  return false;
}

/** A copy of `fields` with the REDACTED_KEYS censored (at any depth of plain objects). */
export function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_KEYS.has(k)) out[k] = REDACTED;
    else if (isNested(v)) out[k] = redact(v);
    else out[k] = v;
  }
  return out;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface LogEntry extends LogFields { level: LogLevel; msg: string }

/** The in-memory twin: keeps every entry at or above `level`, redacted like the real one. */
export function memoryLogger(level: LogLevel = "trace"): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const add = (l: LogLevel, msg: string, fields: LogFields | undefined) => {
    if (enabled(l, level)) entries.push({ ...redact(fields ?? {}), level: l, msg });
  };
  return {
    entries,
    debug: (msg, fields) => add("debug", msg, fields),
    info: (msg, fields) => add("info", msg, fields),
    warn: (msg, fields) => add("warn", msg, fields),
    error: (msg, e, fields) => add("error", msg, e === undefined ? fields : { ...fields, err: serializeError(e) }),
  };
}
