/**
 * Cluster mode (preview, issue 10): wires one node's hub to the shared engine.
 * docs/architecture.md, "Cluster mode".
 *
 * Write path: the hub's appends go to a NodeWriter (group commit into the engine, membership
 * guards, ack once this node has applied the event). Read path: ONE tailer follows the engine from
 * the local replica's last pos and hands each batch to `hub.applyFollowed`, which appends it to the
 * replica, folds the projection and publishes to local sockets in one synchronous block; the
 * writer's waiting acks are released right after, in the same block.
 */
import { CloseCode, ErrorCode, parseStream } from "../protocol/index.ts";
import { AppendError } from "../actors/journal.ts";
import { CommitPathError, ReplicaDivergedError, type Hub } from "../actors/hub.ts";
import type { AppendOutcome, AppendRequest } from "../store/event-log.ts";
import { EngineError, type AppendResult, type Engine, type StoredEvent } from "../store/engine/engine.ts";
import { startTailer, type Tailer } from "../store/engine/tailer.ts";
import type { Logger } from "../observability/log.ts";
import { NodeWriter } from "./node-writer.ts";
import { linkPresence } from "./node-presence.ts";
import type { PresenceBus } from "./presence-bus.ts";
import type { PresenceTracker } from "./presence-tracker.ts";
import { StoreMonitor } from "./store-monitor.ts";
import { alreadySo, refusalCode } from "./guards.ts";
import { coalesced } from "./coalesced.ts";
import { ReplicaLog } from "./replica-log.ts";

/** How long a hello waits for this node's replica to catch up with the engine before failing (the client reconnects). */
export const CATCH_UP_MS = 10_000;

export interface ClusterNode {
  readonly writer: NodeWriter;
  readonly tailer: Tailer;
  /** Presence and typing shared with the other nodes; `start()` it before taking connections. */
  readonly presence: PresenceTracker;
  /** Resolves once the replica has applied everything the engine had committed when called. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Says bye on the presence bus (and closes it), commits what is queued, then stops following (the engine is closed by its owner). */
  stop(): Promise<void>;
}

export function startClusterNode(hub: Hub, engine: Engine, logger: Logger, opts: {
  commitMaxEvents: number;
  node: string;
  presenceBus: PresenceBus;
  presenceTimeoutMs: number;
  /** No read of the engine for this long: close every socket with 4106 until it answers again. */
  storeTimeoutMs: number;
  /**
   * The engine's history is not this replica's any more (a restored backup, a re-created store):
   * called once; the replica must not serve another request (the server stops and rebuilds it).
   */
  onDiverged(why: string): void;
  /**
   * A followed event is in the replica but its commit path failed (CommitPathError): this node's
   * projection and subscribers missed it. Called once; the node must stop serving (the server
   * exits 4 and a supervisor restarts it; its clients resume elsewhere, gap-free).
   */
  onCommitPathFailed(why: string): void;
}): ClusterNode {
  let divergedOnce = false;
  /** The epoch renewal under way after a divergence; `stop()` waits for it, so it is never cut short by an exit. */
  let renewing: Promise<void> | undefined;
  const diverged = (e: unknown) => {
    if (divergedOnce) return;
    divergedOnce = true;
    const why = (e as Error)?.message ?? String(e);
    // If the store still has the epoch this node opened it with (and aligned its replica to), its
    // history under that epoch is not the one this node served (a restored older backup, most
    // likely): clients hold cursors into the lost events, and compare epochs only. A new epoch makes every one of them start afresh instead
    // of silently skipping the new events that reuse those seqs. Conditional, so it is renewed
    // once however many nodes notice, and never when the store already has another epoch.
    renewing = engine.renewEpoch(engine.epoch).then(
      (now) => opts.onDiverged(now === engine.epoch ? why : `${why}; the store's epoch is now ${now}, so every client starts afresh`),
      (err) => opts.onDiverged(`${why}; renewing the store's epoch failed (${(err as Error)?.message ?? String(err)}): give it a new one by hand (docs/deploy.md)`),
    );
  };
  let brokenWhy: string | undefined;
  const broken = (e: unknown) => {
    if (brokenWhy !== undefined) return;
    brokenWhy = (e as Error)?.message ?? String(e);
    opts.onCommitPathFailed(brokenWhy);
  };
  const presence = linkPresence(hub, opts.presenceBus, logger, { node: opts.node, timeoutMs: opts.presenceTimeoutMs });
  const replica = hub.log;
  const afterPos = replica.lastPos();
  const lastEvent = afterPos > 0 ? replica.readAll(afterPos - 1, 1)[0] : undefined;
  /** Batches applied to the replica (the tailer's and the writer's shortcut) and their events: the follow path's batch size, for /health. */
  const applies = { batches: 0, events: 0 };
  const count = (n: number) => { if (n > 0) { applies.batches += 1; applies.events += n; } };
  /**
   * The one way events reach the replica (the tailer's batches and the writer's shortcut alike).
   * A divergence or a failed commit path stops following at once and stops the node: the tailer
   * would not offer applied events again, so going on would hide the failure.
   */
  const apply = (events: readonly StoredEvent[]) => {
    try {
      count(hub.applyFollowed(events));
    } catch (e) {
      if (e instanceof ReplicaDivergedError) { void tailer.stop(); diverged(e); }
      else if (e instanceof CommitPathError) { void tailer.stop(); broken(e); }
      throw e;
    }
  };
  const writer = new NodeWriter(engine, {
    maxBatch: opts.commitMaxEvents,
    maxQueued: 100_000,
    appliedPos: () => replica.lastPos(),
    resolveRejection: (requests, results) => answerRejection(hub, requests, results),
    afterRejection: (requests) => {
      for (const r of requests) {
        const s = parseStream(r.stream);
        if (s?.kind === "room" && (r.kind === "joined" || r.kind === "left")) hub.resyncMember(s.room, r.author);
        // A kick or ban the engine refused: the room actor removed its target already.
        if (s?.kind === "room" && (r.kind === "kicked" || r.kind === "banned") && typeof r.body.user === "string") hub.resyncMember(s.room, r.body.user);
      }
    },
    onError: (e) => logger.error("cluster commit failed", e, { event: "commit.failed" }),
    // A shortcut, not a second path: one engine transaction's events have consecutive positions,
    // so when the replica ends right before them they are exactly what the tailer would deliver
    // next. Applying them here (the same applyFollowed block) saves the tailer's read round trip
    // before the ack; the tailer later reads them too, and applyFollowed skips what is applied.
    onCommitted: (results) => {
      const mine: StoredEvent[] = [];
      for (const r of results) if (r.status === "appended") mine.push(r.event);
      if (mine.length === 0 || mine[0]!.pos !== replica.lastPos() + 1) return;
      for (let i = 1; i < mine.length; i++) if (mine[i]!.pos !== mine[i - 1]!.pos + 1) return;
      if (tailer.failure !== undefined || brokenWhy !== undefined) return;
      apply(mine);
      writer.applied(replica.lastPos());
    },
  });
  // A replica written behind (replica-log.ts) that finds it diverged while writing its tail stops
  // the node like any divergence (its later appends throw the same error into `apply`).
  if (replica instanceof ReplicaLog) replica.onFailed = (e) => { void tailer.stop(); diverged(e); };
  const tailer = startTailer(engine, {
    afterPos,
    lastEvent: lastEvent?.pos === afterPos ? lastEvent : undefined,
    onBatch(events) {
      apply(events);
      writer.applied(replica.lastPos());
    },
    onError: (e) => {
      // Reported before the tailer records it as its failure: tell by the error itself.
      if (e instanceof EngineError && e.code === "diverged") diverged(e);
      else logger.warn("following the engine failed; retrying", { event: "cluster.tail_retry", error: (e as Error)?.message ?? String(e) });
    },
  });
  // Every head read also checks that the store still holds this replica's history: its epoch, and
  // a head not behind what the replica had applied before the read began (the replica only ever
  // gets what the store committed, so less means the store lost events). The monitor reads it
  // every second, so a restore is noticed while the node runs, not only at its next start.
  const freshHead = coalesced(async () => {
    const applied = replica.lastPos();
    const head = await engine.head();
    const lost = head.epoch !== engine.epoch ? `the shared store's epoch is ${head.epoch}, not the replica's ${engine.epoch}`
      : head.pos < applied ? `the shared store's head ${head.pos} is behind what this node applied (${applied})` : undefined;
    if (lost !== undefined) {
      const e = new EngineError("diverged", lost, false);
      diverged(e);
      throw e;
    }
    return head;
  });
  const reason = "this node cannot reach the shared store; reconnect later";
  const monitor = new StoreMonitor({
    timeoutMs: opts.storeTimeoutMs,
    probe: () => freshHead(),
    onDown: (d) => {
      logger.error(`the shared store has not answered for ${Date.now() - d.since} ms (${d.error}): closing every socket with ${CloseCode.StoreUnreachable} until it answers`, undefined, { event: "cluster.store_down" });
      hub.refuseConnections({ code: CloseCode.StoreUnreachable, reason });
    },
    // New sockets are closed as they open; this catches any that opened just before.
    whileDown: () => hub.closeConnections(CloseCode.StoreUnreachable, reason),
    onUp: (ms) => {
      logger.info(`the shared store answers again after ${ms} ms: taking connections`, { event: "cluster.store_up", ms });
      // Its commits failed for want of the store, which answers again: the next commit says otherwise if not.
      writer.failing = undefined;
      hub.refuseConnections(undefined);
    },
  });
  monitor.start();
  const caughtUp = async (timeoutMs = CATCH_UP_MS) => {
    // Never "caught up" with a history the replica is not part of: the first identity check first.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      tailer.verified,
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`the shared store's identity was not checked within ${timeoutMs} ms`)), timeoutMs); }),
    ]).finally(() => clearTimeout(timer));
    const head = await freshHead();
    await tailer.waitFor(head.pos, timeoutMs);
  };
  hub.useRemote({
    submit: (requests, done) => writer.submit(requests, done),
    caughtUp: () => caughtUp(),
    status: () => ({
      node: opts.node, engine: engine.kind, epoch: engine.epoch, appliedPos: replica.lastPos(), tailerPos: tailer.position,
      following: tailer.failure === undefined, commits: { ...writer.stats }, applied: { ...applies }, presence: presence.status(),
      ...(replica instanceof ReplicaLog ? { replicaWrites: { ...replica.writes } } : {}),
    }),
    problems: () => [
      ...(monitor.down ? [`the shared store has not answered since ${new Date(monitor.down.since).toISOString()} (${monitor.down.error}); sockets are closed with ${CloseCode.StoreUnreachable}`] : []),
      ...(brokenWhy !== undefined ? [`this node stopped applying the shared store's events: ${brokenWhy}`] : []),
      ...(tailer.failure !== undefined ? [`this node's replica stopped following the shared store: ${(tailer.failure as Error)?.message ?? String(tailer.failure)}`] : []),
      ...(writer.failing ? [`commits into the shared store are failing since ${new Date(writer.failing.since).toISOString()}: ${writer.failing.error}`] : []),
    ],
  });
  return {
    writer, tailer, presence, caughtUp,
    async stop() {
      await renewing;
      monitor.stop();
      await presence.stop().catch(() => {});
      await opts.presenceBus.close().catch(() => {});
      await writer.drain();
      await tailer.stop();
    },
  };
}

/**
 * What a command whose guard failed is told, once the replica shows the state that made it fail:
 * a join that lost to the same user's join on another node is answered like a repeated join
 * (ack with the membership's seq, duplicate); anything else was not allowed for a non-member.
 */
export function answerRejection(hub: Hub, requests: AppendRequest[], results: AppendResult[]): AppendOutcome[] | AppendError {
  const first = requests[0];
  const s = first ? parseStream(first.stream) : undefined;
  if (first && s?.kind === "room") {
    if (first.kind === "joined") {
      const seq = hub.projection.rooms.get(s.room)?.get(first.author);
      const event = seq === undefined ? undefined : hub.log.get(first.stream, seq);
      if (event) return requests.map(() => ({ event, duplicate: true }));
    }
    const why = results.find((r) => r.status === "rejected");
    if (why?.status === "rejected" && alreadySo(first, why.fact, why.code)) {
      const head = hub.log.get(first.stream, hub.log.head(first.stream));
      if (head) return requests.map(() => ({ event: head, duplicate: true }));
    }
    const code = why?.status === "rejected" ? refusalCode(why.fact, why.code) : ErrorCode.NotMember;
    return new AppendError(code, code === ErrorCode.NotMember ? `you are not a member of ${s.room}` : `not allowed in ${s.room} (${code}): the room changed on another node`);
  }
  const rejected = results.find((r) => r.status === "rejected");
  return new AppendError(ErrorCode.NotMember, `not allowed: ${rejected?.status === "rejected" ? rejected.fact.scope : "guard"}`);
}
