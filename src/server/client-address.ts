/**
 * Which address a connection comes from, for the per-address limits and the logs. Behind a
 * reverse proxy every peer is the proxy, so one busy proxy would hit `--max-connections-per-ip`
 * and `--connect-rate-limit` for everyone. `--trusted-proxies` names the proxies (addresses or
 * CIDR ranges); only when the peer is one of them is `X-Forwarded-For` read, and then from the
 * right: each hop a trusted proxy appended is skipped, and the first address that is not a
 * trusted proxy is the client. Anything left of it was written by the client itself and could
 * be anything, so it is never used. Without the flag the header is ignored: a client must not
 * be able to choose the address it is limited as.
 */
import { BlockList, isIP } from "node:net";

export interface TrustedProxies {
  /** Whether `ip` (as the socket or a proxy reported it) is a trusted proxy. */
  has(ip: string): boolean;
  readonly size: number;
}

/** At most this many hops are read from the right of X-Forwarded-For; more proxies than that is a misconfiguration. */
const MAX_HOPS = 16;

/** "::ffff:10.0.0.1" → "10.0.0.1": the same host, whichever way the socket reports it. */
function plain(ip: string): string {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  return m ? m[1]! : ip;
}

/** Parses "10.0.0.0/8, 192.168.1.7, fd00::/8"; throws with the entry that is not an address or range. */
export function parseTrustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const [addr = "", bits, extra] = entry.split("/");
    const ip = plain(addr.trim());
    const family = isIP(ip);
    const prefix = bits === undefined ? undefined : Number(bits);
    const max = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max && bits!.trim() !== ""))) {
      throw new Error(`--trusted-proxies: "${entry}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, ::1)`);
    }
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(ip, type);
    else list.addSubnet(ip, prefix, type);
  }
  return {
    size: entries.length,
    has(raw) {
      const ip = plain(raw);
      const family = isIP(ip);
      return family !== 0 && list.check(ip, family === 4 ? "ipv4" : "ipv6");
    },
  };
}

/** The client's address: the peer, or — when the peer is a trusted proxy — what the proxies say. */
export function clientAddress(peer: string | undefined, forwardedFor: string | null, trusted: TrustedProxies): string | undefined {
  if (peer === undefined || trusted.size === 0 || !forwardedFor || !trusted.has(peer)) return peer;
  // Only the tail is read: a header of any length costs at most MAX_HOPS entries of work.
  const hops = forwardedFor.slice(-MAX_HOPS * 48).split(",").slice(-MAX_HOPS);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = plain(hops[i]!.trim());
    if (isIP(hop) === 0) break; // garbage (or a cut-off first entry): the last good hop stands
    client = hop;
    if (!trusted.has(hop)) break;
  }
  return client;
}
