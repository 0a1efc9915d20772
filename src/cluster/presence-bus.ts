/**
 * The presence bus port: an ordered, lossy broadcast of small text messages between the nodes of
 * one cluster. Presence and typing travel on it (presence-tracker.ts); nothing on it is durable
 * or in the event log. Adapters: PostgreSQL LISTEN/NOTIFY (pg-presence-bus.ts) and an in-memory
 * twin for tests (memory-presence-bus.ts); presence-bus.contract.ts runs against both.
 *
 * Contract:
 * - `send(payloads)` delivers every payload, in order, to every listener on the bus — the
 *   sender's own listener included (receivers skip their own messages). The payloads of one call
 *   are delivered contiguously (no other sender's payload between them), and the calls of one
 *   sender in the order they resolved.
 * - Each payload is at most MAX_PAYLOAD_BYTES (UTF-8); a longer one rejects the whole call.
 * - Delivery is best effort: a listener that loses its connection loses what was sent meanwhile,
 *   and `onListening` runs again once it listens again, so it can ask for what it missed.
 *   A failed `send` may have delivered nothing or everything (never a part of one call).
 */

/** PostgreSQL's NOTIFY payload limit is 8000 bytes (exclusive); stay clear of it. */
export const MAX_PAYLOAD_BYTES = 7_900;

export interface BusHandlers {
  onMessage(payload: string): void;
  /** The listener is (again) in place: first at start and after every reconnect. */
  onListening(): void;
}

export interface PresenceBus {
  send(payloads: readonly string[]): Promise<void>;
  listen(handlers: BusHandlers): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

export class PayloadTooLargeError extends Error {}

export function checkPayloads(payloads: readonly string[]): void {
  for (const p of payloads) {
    const bytes = Buffer.byteLength(p, "utf8");
    if (bytes > MAX_PAYLOAD_BYTES) throw new PayloadTooLargeError(`presence bus payload of ${bytes} bytes (max ${MAX_PAYLOAD_BYTES})`);
  }
}
