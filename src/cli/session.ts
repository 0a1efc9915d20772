/**
 * One CLI run's connection: an SDK client over the state file, and "wait until live" that turns
 * "cannot connect" and "refused" into one clear error instead of retrying for ever.
 */
import { CommandError, HubbubClient } from "../client/index.ts";
import { closeAdvice } from "../protocol/index.ts";
import type { CommonFlags } from "./args.ts";
import { StateFile } from "./state-file.ts";
import { defaultStatePath, tokenOwner } from "./state-path.ts";

/** A failure worth one line: `code: message`, then exit 1. */
export class CliError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

export interface Session { client: HubbubClient; state: StateFile; flags: CommonFlags }

export function openSession(flags: CommonFlags, env: Record<string, string | undefined>): Session {
  const owner = flags.user ?? tokenOwner(flags.token ?? "");
  const state = new StateFile(flags.state ?? defaultStatePath(flags.url, owner, env));
  const client = new HubbubClient({
    url: flags.url, user: flags.user, token: flags.token, client: "cli", encoding: flags.encoding,
    storage: state, requestTimeoutMs: flags.timeoutMs,
  });
  // First subscribers, so the state file knows a stream before any command looks at its events.
  client.on("welcome", (w) => state.welcome(w));
  client.on("event", (e) => state.saw(e));
  return { client, state, flags };
}

/**
 * Connects and resolves once live (replay done). Rejects with a CliError if the first attempt
 * fails, the server refuses us, or nothing happens within the timeout; a run that was live once
 * leaves later reconnects to the SDK.
 */
export function connect({ client, flags }: Session): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (e: CliError) => { done(); client.close(); reject(e); };
    const timer = setTimeout(() => fail(new CliError("timeout", `no answer from ${flags.url} within ${flags.timeoutMs / 1000} s`)), flags.timeoutMs);
    let refusal: CliError | undefined;
    const offError = client.on("error", (e) => { refusal = new CliError(e.code, e.message); });
    const offState = client.on("state", (s) => {
      if (s.name === "live") { done(); resolve(); }
      // "Reconnect now" is the server's plan, not a failure: a replaced log (new epoch), a slow consumer.
      if (s.name === "reconnecting" && !(s.lastClose && closeAdvice(s.lastClose.code) === "reconnect-now")) fail(refusal ?? new CliError("unreachable", `cannot connect to ${flags.url} (is the server running?)`));
      if (s.name === "stopped") fail(refusal ?? new CliError("refused", `the server closed the connection: ${s.reason}`));
    });
    const done = () => { clearTimeout(timer); offState(); offError(); };
    client.connect();
  });
}

/** Resolves with `p`, or rejects with a CliError after `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new CliError("timeout", `${what} within ${ms / 1000} s`)), ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

/** `code: message` for anything a command can throw (the SDK's errors carry the server's code). */
export function describe(e: unknown): { code: string; message: string } {
  if (e instanceof CommandError || e instanceof CliError) return { code: e.code, message: e.message };
  if (e instanceof Error) return { code: "error", message: e.message };
  return { code: "error", message: String(e) };
}

/** Waits (up to `ms`) until every queued send is acknowledged, while the connection is up. */
export async function drainOutbox({ client }: Session, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (client.pendingSends().length > 0 && client.state.name === "live" && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
}
