/**
 * The server's log: one JSON object per line on stderr (stdout carries only the start-up
 * lines people read). Small on purpose: levels, a message, and an error's message and stack.
 */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, error?: unknown): void;
}

export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l + "\n")): Logger {
  const out = (level: string, msg: string, fields?: Record<string, unknown>) =>
    write(JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields }));
  return {
    info: (msg, fields) => out("info", msg, fields),
    warn: (msg, fields) => out("warn", msg, fields),
    error: (msg, e) => out("error", msg, e instanceof Error ? { error: e.message, stack: e.stack } : { error: String(e) }),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
