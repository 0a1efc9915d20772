/** The HTTP endpoints besides /ws: health, readiness and the operator broadcast. */
import type { Hub } from "../actors/hub.ts";
import { AppendError } from "../actors/journal.ts";
import type { RebuildReport } from "../projections/snapshot.ts";
import type { Config } from "./config.ts";
import { bearerMatches } from "./bearer.ts";
import { BodyTooLarge, readBodyLimited } from "./read-body.ts";

const json = (body: unknown, status = 200) => Response.json(body, { status });

/** The storage part of /health and /ready: present only while commits fail. */
function storageFailure(hub: Hub): { failingSince: string; error: string | undefined } | undefined {
  const { failingSince, error } = hub.journal.storage;
  return failingSince === undefined ? undefined : { failingSince: new Date(failingSince).toISOString(), error };
}

/**
 * Liveness, with the counters: 200 `ok`, or 503 `degraded` while commits fail (disk full…).
 * Answered only once the log is open and replayed: the port is bound after that.
 */
export function healthHandler(hub: Hub, rebuild: RebuildReport, startedAt: number): () => Response {
  return () => {
    const storage = storageFailure(hub);
    return json({
      status: storage ? "degraded" : "ok", ...(storage && { storage }),
      uptimeMs: Date.now() - startedAt, epoch: hub.log.epoch, startup: rebuild, ...hub.stats(),
    }, storage ? 503 : 200);
  };
}

/**
 * Readiness, for load balancers and orchestrators: 200 `ready` when the log is open, replay has
 * finished (both hold before the port is bound) and commits succeed; 503 `not_ready` with the
 * reasons while commits fail or the server is stopping (cluster mode: also while commits into the
 * shared store fail, or once the replica has stopped following it).
 */
export function readyHandler(hub: Hub, stopping: () => boolean): () => Response {
  return () => {
    const storage = storageFailure(hub);
    const reasons = [
      ...(stopping() ? ["the server is stopping"] : []),
      ...(storage ? [`commits are failing since ${storage.failingSince}: ${storage.error}`] : []),
      ...hub.clusterProblems(),
    ];
    return reasons.length === 0 ? json({ status: "ready" }) : json({ status: "not_ready", reasons }, 503);
  };
}

/** Room for `{"text": …}` with maxText characters, each escaped as \uXXXX at worst, and some whitespace. */
export const broadcastBodyLimit = (config: Pick<Config, "maxText">): number => 6 * config.maxText + 1024;

export function broadcastHandler(hub: Hub, config: Config): (req: Request) => Promise<Response> {
  return async (req) => {
    if (!config.adminToken) return json({ error: "disabled", message: "start the server with --admin-token to enable broadcasts" }, 404);
    if (!bearerMatches(req.headers.get("authorization"), config.adminToken)) {
      return json({ error: "unauthorized", message: "send Authorization: Bearer <admin token>" }, 401);
    }
    const limit = broadcastBodyLimit(config);
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(await readBodyLimited(req, limit)));
    } catch (e) {
      if (e instanceof BodyTooLarge) return json({ error: "too_large", message: `the body may be at most ${limit} bytes ({"text": …} of up to ${config.maxText} characters)` }, 413);
      return json({ error: "bad_request", message: "the body must be JSON: {\"text\": \"...\"}" }, 400);
    }
    const text = (body as { text?: unknown } | null)?.text;
    if (typeof text !== "string" || text.length === 0 || text.length > config.maxText) {
      return json({ error: "bad_request", message: `\`text\` must be a string of 1-${config.maxText} characters` }, 400);
    }
    try {
      const ack = await hub.broadcast(text);
      return json({ stream: ack.stream, seq: ack.seq, pos: ack.pos });
    } catch (e) {
      return json({ error: e instanceof AppendError ? e.code : "internal", message: (e as Error).message }, 503);
    }
  };
}
