/**
 * The log adapter: pino, one JSON object per line (NDJSON) on stdout, or pino-pretty's
 * human-readable lines when a person is watching.
 *
 * Under Bun, pino's worker-thread transports (including the usual `transport: "pino-pretty"`)
 * break, in `bun run` and in compiled binaries alike (oven-sh/bun#23062). So both formats write
 * synchronously in the calling thread: JSON through pino.destination({sync: true}), pretty
 * through pino-pretty used as a plain stream. Synchronous is also what a crash wants (no line
 * lost in a buffer) and what keeps the start-up banner and the first log lines in order. It is
 * affordable because nothing is logged per message: lines are per connection, per failure,
 * per snapshot.
 */
import pino, { type DestinationStream } from "pino";
import pretty from "pino-pretty";
import { type LogFields, type Logger, type LogLevel, needsRedaction, redact, serializeError } from "./log.ts";

export type LogFormat = "json" | "pretty";

export interface PinoLoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go; stdout (fd 1) when omitted. Tests pass a stream that keeps them (a Node Writable in pretty mode). */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Pretty mode only: colours (on when stdout is a terminal). */
  colorize?: boolean;
}

/**
 * Censoring is done here, not by pino's `redact` option: that one (@pinojs/redact) parsed every
 * path again on every line, 7-15 µs a line against 2.5-4 µs for the whole line without it
 * (in-process, a conn.close line to /dev/null), and a line per connection made it 9 % of a
 * connect profile. Fields are checked first and copied only when a key must be censored.
 */
const safe = (fields: LogFields | undefined): LogFields => (fields === undefined ? {} : needsRedaction(fields) ? redact(fields) : fields);

export function pinoLogger(o: PinoLoggerOptions): Logger {
  const destination = o.format === "pretty"
    ? pretty({
      sync: true, destination: o.destination ?? 1, colorize: o.colorize ?? process.stdout.isTTY === true,
      translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", singleLine: true,
    })
    : (o.destination as DestinationStream | undefined) ?? pino.destination({ fd: 1, sync: true });
  const p = pino({
    level: o.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level names, not pino's numbers, in JSON: `"level":"warn"` is what people grep and what
    // log shippers map. pino-pretty reads the numbers, so pretty mode keeps them.
    formatters: o.format === "json" ? { level: (label) => ({ level: label }) } : {},
    // `err` arrives already serialized (serializeError), the same shape for anything thrown.
    serializers: { err: (v: unknown) => v },
  }, destination);
  return {
    // A level turned off costs a call, not a look at the fields (conn.open is at debug, once per connection).
    debug: p.isLevelEnabled("debug") ? (msg, fields) => p.debug(safe(fields), msg) : () => {},
    info: p.isLevelEnabled("info") ? (msg, fields) => p.info(safe(fields), msg) : () => {},
    warn: p.isLevelEnabled("warn") ? (msg, fields) => p.warn(safe(fields), msg) : () => {},
    error: (msg, e, fields) => p.error(safe(e === undefined ? fields : { ...fields, err: serializeError(e) }), msg),
  };
}
