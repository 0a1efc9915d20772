/**
 * Opening a client for a one-shot command: connect with the state file, wait until live, and
 * turn "cannot connect" and "refused" into one clear error instead of retrying for ever.
 */
import { HubbubClient, CommandError } from "../client/index.ts";
import { fileStorage } from "../client/storage-file.ts";
import type { CommonFlags } from "./args.ts";
import { defaultStatePath } from "./state-path.ts";

export class CliError extends Error {
  constructor(message: string, readonly code = "error") { super(message); }
}

export function makeClient(flags: CommonFlags, env: Record<string, string | undefined>): HubbubClient {
  const statePath = flags.state ?? defaultStatePath(flags.url, flags.user ?? "token", env);
  return new HubbubClient({
    url: flags.url, user: flags.user, token: flags.token, client: "cli", encoding: flags.encoding,
    storage: fileStorage(statePath),
  });
}

/** Resolves once live; rejects with a CliError if the first attempt fails or the server refuses us. */
export function whenLive(client: HubbubClient, url: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new CliError(`no answer from ${url} within ${timeoutMs / 1000} s`)); }, timeoutMs);
    let refusal: string | undefined;
    const offErr = client.on("error", (e) => { refusal = `${e.code}: ${e.message}`; });
    const off = client.on("state", (s) => {
      if (s.name === "live") { done(); resolve(); }
      if (s.name === "reconnecting") { done(); reject(new CliError(refusal ?? `cannot connect to ${url} (is the server running?)`)); }
      if (s.name === "stopped") { done(); reject(new CliError(refusal ?? `the server refused the connection: ${s.reason}`, "refused")); }
    });
    const done = () => { clearTimeout(timer); off(); offErr(); };
    client.connect();
  });
}

export function describe(e: unknown): string {
  if (e instanceof CommandError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return e.message;
  return String(e);
}
