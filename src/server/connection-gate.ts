/**
 * What the server checks of a client's network address before any WebSocket work: how often it
 * may try to connect, and how many connections it may hold open. A token bucket per address, so one address cannot make the server spend
 * an upgrade, a hello and an authentication many times a second. Addresses are keyed so that an
 * IPv6 host cannot dodge the limit by rotating through its /64.
 */
import { Budgets, burstFor } from "../actors/rate-limiter.ts";
import type { Config } from "./config.ts";

export class ConnectionGate {
  private readonly attempts: Budgets | undefined;
  /** Open connections per address; an address with none has no entry. */
  private readonly open = new Map<string, number>();
  private readonly maxOpen: number;

  constructor(config: Pick<Config, "connectRateLimit" | "maxConnectionsPerIp">) {
    const rate = config.connectRateLimit;
    this.attempts = rate > 0 ? new Budgets(rate, burstFor(rate)) : undefined;
    this.maxOpen = config.maxConnectionsPerIp;
  }

  /** At open: counts a connection of this address; false (nothing counted) when it has its maximum already. */
  opened(address: string): boolean {
    const n = this.open.get(address) ?? 0;
    if (this.maxOpen > 0 && n >= this.maxOpen) return false;
    this.open.set(address, n + 1);
    return true;
  }

  /** At close, once for every `opened` that said true. */
  closed(address: string): void {
    const n = (this.open.get(address) ?? 1) - 1;
    if (n > 0) this.open.set(address, n);
    else this.open.delete(address);
  }

  /** At upgrade: may this address open a connection now? Every attempt counts, refused ones too. */
  attempt(address: string): boolean {
    return this.attempts?.of(address).take() ?? true;
  }

  /** Drops refilled buckets (every second): memory follows the addresses active right now. */
  sweep(): void {
    this.attempts?.sweep();
  }
}

/**
 * The key an address is limited by: an IPv4 address as is (also when IPv4-mapped), an IPv6
 * address by its /64 (one host or one customer of a provider gets a whole /64), "local" for a
 * connection without one (a Unix socket).
 */
export function addressKey(ip: string | null | undefined): string {
  if (!ip) return "local";
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (v4) return v4[1]!;
  if (!ip.includes(":")) return ip;
  const bare = ip.split("%")[0]!.toLowerCase();
  const [head = "", tail] = bare.split("::", 2);
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(":")}::/64`;
}
