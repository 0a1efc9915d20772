/**
 * One CLI run's connection: an SDK client over the state file, and "wait until live" that turns
 * "cannot connect" and "refused" into one clear error instead of retrying for ever.
 */
import { CommandError, HubbubClient } from "../client/index.ts";
import { CloseCode, closeAdvice } from "../protocol/index.ts";
import type { CommonFlags } from "./args.ts";
import { noUpgrade, notHubbub } from "./diagnose.ts";
import { CliError } from "./errors.ts";
import { StateFile } from "./state-file.ts";
import { webSocketFactory } from "./websocket.ts";
import { defaultStatePath, tokenOwner } from "./state-path.ts";

export { CliError };

export interface Session { client: HubbubClient; state: StateFile; flags: CommonFlags }

/** `presence`: announce this run in its rooms' presence (chat, tail --follow), not a one-shot command. */
export async function openSession(flags: CommonFlags, env: Record<string, string | undefined>, presence: boolean): Promise<Session> {
  const owner = flags.user ?? tokenOwner(flags.token ?? "");
  const state = new StateFile(flags.state ?? defaultStatePath(flags.url, owner, env));
  const client = new HubbubClient({
    url: flags.url, user: flags.user, token: flags.token, client: "cli", encoding: flags.encoding, presence,
    storage: state, requestTimeoutMs: flags.timeoutMs, socket: await webSocketFactory(),
  });
  // First subscribers, so the state file knows a stream before any command looks at its events.
  client.on("welcome", (w) => state.welcome(w));
  client.on("event", (e) => state.saw(e));
  return { client, state, flags };
}

/**
 * Connects and resolves once live (replay done). Rejects with a CliError if the first attempt
 * fails, the server refuses us, or nothing happens within the timeout; a run that was live once
 * leaves later reconnects to the SDK. A failure says what was there instead (diagnose.ts).
 */
export function connect({ client, flags }: Session): Promise<void> {
  return new Promise((resolve, reject) => {
    let opened = false; // the WebSocket upgrade succeeded at least once
    let welcomed = false;
    const fail = (e: CliError | Promise<CliError>) => { done(); client.close(); void Promise.resolve(e).then(reject); };
    const timer = setTimeout(() => fail(opened && !welcomed
      ? notHubbub(flags.url, `sent no hubbub welcome within ${flags.timeoutMs / 1000} s`)
      : new CliError("timeout", `no answer from ${flags.url} within ${flags.timeoutMs / 1000} s`)), flags.timeoutMs);
    let refusal: CliError | undefined;
    const offs = [
      client.on("error", (e) => { refusal = new CliError(e.code, e.message); }),
      client.on("welcome", () => { welcomed = true; }),
      client.on("unexpected", (u) => { if (!welcomed) fail(notHubbub(flags.url, `answered with ${u.reason}`)); }),
      client.on("state", (s) => {
        if (s.name === "syncing") opened = true;
        if (s.name === "live") { done(); resolve(); }
        const closed = s.name === "reconnecting" || s.name === "stopped";
        // "Reconnect now" is the server's plan, not a failure: a replaced log (new epoch), a slow consumer.
        if (!closed || (s.name === "reconnecting" && s.lastClose && closeAdvice(s.lastClose.code) === "reconnect-now")) return;
        if (refusal) return fail(refusal);
        if (!opened) return fail(noUpgrade(flags.url, flags.timeoutMs));
        const close = s.name === "stopped" ? { code: s.code ?? 0, reason: s.reason } : s.lastClose ?? { code: 0, reason: "" };
        if (!welcomed && isHubbubClose(close)) return fail(new CliError("refused", `the server closed the connection before welcoming us (${close.code} ${close.reason})`));
        if (!welcomed) return fail(notHubbub(flags.url, `closed it${close.code ? ` (${close.code})` : ""} before any hubbub welcome`));
        fail(new CliError(s.name === "stopped" ? "refused" : "unreachable", s.name === "stopped"
          ? `the server closed the connection: ${s.reason}`
          : `lost the connection to ${flags.url} before it was ready`));
      }),
    ];
    const done = () => { clearTimeout(timer); offs.forEach((off) => off()); };
    client.connect();
  });
}

/**
 * A close a hubbub server sends before its welcome: one of its own codes, or 1011 with a reason
 * (it failed answering hello). 4103 is the SDK's own "no answer in time", which says nothing.
 */
function isHubbubClose({ code, reason }: { code: number; reason: string }): boolean {
  return (code >= 4000 && code < 4300 && code !== CloseCode.HeartbeatTimeout) || (code === CloseCode.InternalError && reason !== "");
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
