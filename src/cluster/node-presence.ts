/**
 * Wires one node's hub to the presence tracker: room actors read the other nodes' presence and
 * report their own net changes through the hub's PresenceLink; typing published here is sent on;
 * what other nodes announce reaches the room actors in memory (hub.remotePresence) and typing
 * reaches local sockets directly (its sender's node checked membership).
 */
import type { Hub } from "../actors/hub.ts";
import type { Logger } from "../observability/log.ts";
import type { PresenceBus } from "./presence-bus.ts";
import { PresenceTracker } from "./presence-tracker.ts";

/** At most one "presence bus failing" line per this long (a heartbeat fails every beat while PostgreSQL is away). */
const ERROR_LOG_EVERY_MS = 10_000;

export function linkPresence(hub: Hub, bus: PresenceBus, logger: Logger, opts: { node: string; timeoutMs: number }): PresenceTracker {
  let lastErrorLog = 0;
  const tracker = new PresenceTracker({
    node: opts.node,
    bus,
    timeoutMs: opts.timeoutMs,
    onRemote: (room, changes) => hub.remotePresence(room, changes),
    onTyping: (groups, frame) => hub.publish(groups, frame),
    onNodeDropped: (node, why) => logger.info(`presence of node ${node} dropped: ${why}`, { event: "cluster.presence_dropped", node, why }),
    onError: (e) => {
      if (Date.now() - lastErrorLog < ERROR_LOG_EVERY_MS) return;
      lastErrorLog = Date.now();
      logger.warn("presence bus failing", { event: "cluster.presence_failed", error: (e as Error)?.message ?? String(e) });
    },
  });
  hub.usePresence({
    remoteIn: (room) => tracker.remoteIn(room),
    localChanged: (room, on, off) => tracker.localChanged(room, on, off),
    typing: (groups, frame) => tracker.typing(groups, frame),
  });
  return tracker;
}
