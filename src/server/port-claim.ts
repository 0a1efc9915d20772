/**
 * One server per port, unless sharing it is asked for (--reuse-port).
 *
 * What we saw (Bun 1.4.5, two processes): Bun.serve given no `reusePort` sets SO_REUSEPORT, so
 * a second hubbub bound beside the first and the kernel split connections between them (the
 * bug of issue 9). Given `reusePort: false` it refused here, but reference/bun-ecosystem.md
 * records a routes server binding anyway even then, so we do not rely on Bun, and check:
 *
 * 1. A probe: a plain `Bun.listen` (no SO_REUSEPORT) on the same host and port. Linux lets a
 *    socket join a port only if it AND every socket already there set SO_REUSEPORT, so the probe
 *    fails with EADDRINUSE whenever anything listens there, a sharing Bun server included. It is
 *    closed (synchronously) right before Bun.serve binds, in the same JS block.
 * 2. The gap between closing the probe and binding: two hubbubs are kept out of it by a claim, a
 *    Linux abstract Unix socket named after the host and port, which lives in the same network namespace
 *    as the port and is freed by the kernel when the process dies (no stale claim after kill -9).
 *    A server without --reuse-port holds it for its whole life; one with --reuse-port holds it
 *    only around its own check and bind. So an exclusive server never shares with another
 *    hubbub. (Elsewhere than Linux the claim is a flock on a file in the temp directory.)
 * 3. The bind itself passes `reusePort: false` unless sharing was asked for, so where Bun honours
 *    it the kernel refuses any second bind atomically; that EADDRINUSE is reported in the same
 *    one line. What is left is a program that is not hubbub binding WITH SO_REUSEPORT in the
 *    microseconds of the gap: it asked to share, and is not excluded.
 */
import { closeSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tryLockExclusive } from "./flock.ts";
import { StartupError } from "./startup-error.ts";

export interface PortClaim { release(): void }

const inUse = (host: string, port: number, why = "") =>
  new StartupError(`port ${port} is in use${why} (on ${host}): stop whatever holds it or choose another --port; several servers share one port only if each is started with --reuse-port`);

/** Any other reason the address cannot be listened on, as one line. */
function cannotListen(host: string, port: number, e: unknown): StartupError {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === "EACCES") return new StartupError(`cannot listen on ${host}:${port} (permission denied): ports below 1024 need root or CAP_NET_BIND_SERVICE; choose a --port of 1024 or more, or put a reverse proxy in front`);
  if (code === "EADDRNOTAVAIL") return new StartupError(`cannot listen on ${host}:${port}: ${host} is not an address of this machine; set --host to one of its addresses, 127.0.0.1, or 0.0.0.0 for all`);
  return new StartupError(`cannot listen on ${host}:${port} (${(e as Error)?.message ?? String(e)}): check that --host is an IP address or name of this machine`);
}

/** What Bun.serve threw, as one line when it is about the address (else unchanged). */
function listenFailure(host: string, port: number, e: unknown): unknown {
  if (e instanceof StartupError) return e;
  if (isAddrInUse(e)) return inUse(host, port);
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" || /^Failed to (listen|start server)/.test((e as Error)?.message ?? "")) return cannotListen(host, port, e);
  return e;
}

const isAddrInUse = (e: unknown) => (e as { code?: unknown } | null)?.code === "EADDRINUSE";

/**
 * Takes the claim on host:port, or returns undefined if another hubbub holds it. Keyed by host
 * too, so servers on different addresses may share a port number (10.0.0.1:443 and
 * 10.0.0.2:443); overlaps such as 0.0.0.0 and 127.0.0.1 are left to the probe and the kernel.
 */
function claim(host: string, port: number): PortClaim | undefined {
  const name = `hubbub-port-${port}-${Bun.hash(host.toLowerCase()).toString(36)}`;
  if (process.platform === "linux") {
    try {
      const l = Bun.listen({ unix: `\0${name}`, socket: { open: (s) => void s.end(), data() {} } });
      return { release: () => l.stop(true) };
    } catch (e) {
      if (isAddrInUse(e)) return undefined;
      throw e;
    }
  }
  const fd = openSync(join(tmpdir(), `${name}.lock`), "a+");
  if (!tryLockExclusive(fd)) { closeSync(fd); return undefined; }
  return { release: () => closeSync(fd) };
}

/** Fails if anything listens on host:port now. Cheap; start.ts calls it early for a quick answer. */
export function assertPortFree(host: string, port: number): void {
  if (port === 0) return;
  let probe: { stop(closeActive?: boolean): void };
  try {
    probe = Bun.listen({ hostname: host, port, socket: { open: (s) => void s.end(), data() {} } });
  } catch (e) {
    if (isAddrInUse(e)) throw inUse(host, port);
    throw cannotListen(host, port, e);
  }
  probe.stop(true);
}

/**
 * Binds with `bind` (which calls Bun.serve) so that no other hubbub shares the port unless both
 * asked to. Returns what `bind` returned and the claim to release at stop (a no-op when shared).
 */
export function bindPort<T>(host: string, port: number, reusePort: boolean, bind: () => T): { bound: T; claim: PortClaim } {
  if (port === 0) {
    try { return { bound: bind(), claim: { release() {} } }; } catch (e) { throw listenFailure(host, port, e); }
  }
  let c = claim(host, port);
  // Servers sharing the port hold the claim only for microseconds while they bind: wait those
  // out (blocking is fine, nothing else runs during start-up). An exclusive server holds it for good.
  for (let waited = 0; !c && reusePort && waited < 250; waited += 10) {
    Bun.sleepSync(10);
    c = claim(host, port);
  }
  if (!c) throw inUse(host, port, reusePort ? " by a hubbub started without --reuse-port" : "");
  try {
    if (!reusePort) assertPortFree(host, port);
    const bound = bind();
    if (!reusePort) return { bound, claim: c };
    c.release();
    return { bound, claim: { release() {} } };
  } catch (e) {
    c.release();
    throw listenFailure(host, port, e);
  }
}
