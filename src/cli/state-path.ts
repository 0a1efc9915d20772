/** Where the CLI keeps its state by default: one file per user and server, under the config dir. */
import { homedir } from "node:os";
import { join } from "node:path";

export function defaultStatePath(url: string, who: string, env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  let host = url;
  try { host = new URL(url).host; } catch { /* keep as given */ }
  const safe = `${who}@${host}`.replace(/[^A-Za-z0-9_.@-]/g, "_");
  return join(base, "hubbub", `${safe}.json`);
}
