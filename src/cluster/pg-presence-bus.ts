/**
 * The presence bus on PostgreSQL LISTEN/NOTIFY. One `send` is one statement — one transaction —
 * of `pg_notify` calls, so its payloads reach every listener contiguously and in order; sends of
 * one node are issued one at a time (presence-tracker.ts awaits each), so they commit, and are
 * delivered, in the order made. Notifications are not durable and a dropped LISTEN connection
 * loses what was sent meanwhile: the tracker heals that with sequence numbers and full states.
 */
import type { PgClient } from "../store/engine/pg/client.ts";
import { checkPayloads, type BusHandlers, type PresenceBus } from "./presence-bus.ts";

// WITH ORDINALITY + ORDER BY: the notifications are queued in the payloads' order.
const SEND = `SELECT count(pg_notify($1, p)) FROM (SELECT p FROM unnest($2::text[]) WITH ORDINALITY AS t(p, i) ORDER BY i) s`;

export function pgPresenceBus(client: PgClient, channel: string): PresenceBus {
  const ch = channel.slice(0, 63);
  return {
    async send(payloads) {
      checkPayloads(payloads);
      if (payloads.length === 0) return;
      await client.query(SEND, [ch, payloads]);
    },
    listen: (handlers: BusHandlers) => client.listen(ch, handlers.onMessage, handlers.onListening),
    close: () => client.close(),
  };
}
