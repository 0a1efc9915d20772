/**
 * Why a first connection never got a hubbub welcome, in words a user can act on: nothing is
 * listening; something answers HTTP there but does not upgrade to a WebSocket (say its status,
 * and where a hubbub server does answer, if one does); or a WebSocket opened but did not speak
 * hubbub. A WebSocket client is never told the HTTP status of a refused upgrade, so the first two
 * are told apart by asking the same URL once more with a plain GET.
 */
import { socketUrl } from "../client/index.ts";
import { CliError } from "./errors.ts";

const PROBE_MS = 5000;
const BASE_HINT = "--url is the server's base address, e.g. http://127.0.0.1:8080";

/** The socket never opened: ask the WebSocket's URL over plain HTTP what is there. */
export async function noUpgrade(base: string, timeoutMs: number): Promise<CliError> {
  const at = socketUrl(base).replace(/^ws/, "http");
  let res: Response;
  try {
    res = await fetch(at, { redirect: "manual", signal: AbortSignal.timeout(Math.min(timeoutMs, PROBE_MS)) });
    await res.body?.cancel();
  } catch {
    return new CliError("unreachable", `cannot connect to ${base} (is the server running?)`);
  }
  const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
  return new CliError("not_hubbub", `${at} answered ${status}, not a WebSocket upgrade: not a hubbub server (${await hint(base)})`);
}

/** The socket opened, but what answered was not a hubbub welcome. */
export function notHubbub(base: string, what: string): CliError {
  return new CliError("not_hubbub", `${socketUrl(base)} accepted a WebSocket but ${what}: not a hubbub server (${BASE_HINT})`);
}

/** Where a hubbub server does answer on the same host and port, if its /health says so. */
async function hint(base: string): Promise<string> {
  const origin = new URL(base.replace(/^ws/, "http")).origin;
  try {
    const res = await fetch(`${origin}/health`, { redirect: "manual", signal: AbortSignal.timeout(PROBE_MS) });
    if (!res.ok) { await res.body?.cancel(); return BASE_HINT; }
    const body: unknown = await res.json();
    const looksLikeHubbub = typeof body === "object" && body !== null && "lastPos" in body && "journal" in body;
    if (looksLikeHubbub && origin !== base.replace(/\/+$/, "")) return `a hubbub server answers at ${origin}: --url ${origin}`;
  } catch { /* no hint then */ }
  return BASE_HINT;
}
