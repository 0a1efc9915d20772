/**
 * Where the CLI keeps its state by default: one file per user and server under the config dir
 * ($XDG_CONFIG_HOME/hubbub, else ~/.config/hubbub), so two users or two servers never share
 * cursors, outbox or device id.
 */
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { join } from "node:path";

export function defaultStatePath(url: string, who: string, env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  let host = url;
  try { host = new URL(url).host; } catch { /* keep it as given; the name is sanitised below */ }
  const safe = `${who}@${host}`.replace(/[^A-Za-z0-9_.@-]/g, "_");
  return join(base, "hubbub", `${safe}.json`);
}

/**
 * Whose state a token is: its `sub` claim, read without checking the signature (only the server
 * can, and it will). An unreadable token gets a name of its own from a hash, never a shared one.
 */
export function tokenOwner(token: string): string {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { sub?: unknown };
    if (typeof payload.sub === "string" && /^[A-Za-z0-9_.-]{1,32}$/.test(payload.sub)) return payload.sub;
  } catch { /* not a JWT we can read: fall through */ }
  return `token-${createHash("sha256").update(token).digest("hex").slice(0, 12)}`;
}
