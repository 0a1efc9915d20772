/**
 * The `Host` allow-list, against DNS rebinding: a page on attacker.example whose name is made
 * to resolve to 127.0.0.1 reaches this server as same-origin to the browser, but its requests
 * still carry `Host: attacker.example`. So every request (/ws, /health, the app, the API) must
 * name a host this server answers to, and the browser Origin check trusts only such hosts.
 *
 * Allowed by default: the configured --host; for a loopback bind also localhost, 127.0.0.1 and
 * [::1]; for a wildcard bind (0.0.0.0, ::) localhost and any IP literal (an IP is not a name an
 * attacker can rebind). --allowed-hosts adds names (a reverse proxy's public name); `*` turns the check off.
 */
import { isIP } from "node:net";
import type { Config } from "./config.ts";

export interface HostPolicy {
  /** Lower-case host names and IP literals (IPv6 without brackets). */
  readonly names: ReadonlySet<string>;
  readonly anyIp: boolean;
  readonly any: boolean;
}

const LOOPBACK = ["localhost", "127.0.0.1", "::1"];
const WILDCARD = new Set(["", "0.0.0.0", "::", "[::]"]);

const normal = (h: string) => h.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");

export function hostPolicy(config: Pick<Config, "host" | "allowedHosts">): HostPolicy {
  const bind = normal(config.host);
  const names = new Set<string>(config.allowedHosts.map(normal).filter((h) => h !== "*"));
  const wildcard = WILDCARD.has(bind);
  if (!wildcard) names.add(bind);
  if (wildcard || LOOPBACK.includes(bind) || bind.startsWith("127.")) for (const h of LOOPBACK) names.add(h);
  return { names, anyIp: wildcard, any: config.allowedHosts.includes("*") };
}

/** The host name of a `Host` header (port dropped, IPv6 brackets removed), or undefined if malformed. */
export function hostName(header: string): string | undefined {
  const h = header.trim();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    if (end < 0 || (end + 1 < h.length && !/^:\d{1,5}$/.test(h.slice(end + 1)))) return undefined;
    return normal(h.slice(1, end));
  }
  const m = /^([^:\s/@]+)(?::\d{1,5})?$/.exec(h);
  return m ? normal(m[1]!) : undefined;
}

export function hostAllowed(policy: HostPolicy, header: string | null): boolean {
  if (policy.any) return true;
  if (!header) return false; // HTTP/1.1 requires Host; every browser, Bun and Node client sends it
  const name = hostName(header);
  if (name === undefined) return false;
  return policy.names.has(name) || (policy.anyIp && isIP(name) !== 0);
}

/** 421 Misdirected Request: this server does not answer to that name. */
export function hostRefused(header: string | null): Response {
  const shown = (header ?? "").slice(0, 100).replace(/[^\x20-\x7e]/g, "?");
  return new Response(`host not allowed: "${shown}" is not a name this server answers to (add it with --allowed-hosts)\n`, {
    status: 421, headers: { "content-type": "text/plain;charset=utf-8" },
  });
}
