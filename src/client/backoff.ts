/**
 * Reconnect delays: exponential with full jitter above a floor. Attempt 0 waits 1–2 s, each
 * attempt doubles the ceiling up to `capMs`, and the delay is uniform between the floor and the
 * ceiling, so a server restart does not bring every client back in the same second.
 */
export interface BackoffOptions {
  floorMs: number;
  firstCeilingMs: number;
  capMs: number;
}
export const DEFAULT_BACKOFF: BackoffOptions = { floorMs: 1000, firstCeilingMs: 2000, capMs: 60_000 };

export function backoffDelay(attempt: number, random: () => number, o: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(o.capMs, o.firstCeilingMs * 2 ** Math.min(attempt, 30));
  return Math.round(o.floorMs + random() * (ceiling - o.floorMs));
}
