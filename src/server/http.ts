/** The HTTP endpoints besides /ws: health and the operator broadcast. */
import type { Hub } from "../actors/hub.ts";
import { AppendError } from "../actors/journal.ts";
import type { RebuildReport } from "../projections/snapshot.ts";
import type { Config } from "./config.ts";

const json = (body: unknown, status = 200) => Response.json(body, { status });

export function healthHandler(hub: Hub, rebuild: RebuildReport, startedAt: number): () => Response {
  return () => json({ status: "ok", uptimeMs: Date.now() - startedAt, epoch: hub.log.epoch, startup: rebuild, ...hub.stats() });
}

export function broadcastHandler(hub: Hub, config: Config): (req: Request) => Promise<Response> {
  return async (req) => {
    if (!config.adminToken) return json({ error: "disabled", message: "start the server with --admin-token to enable broadcasts" }, 404);
    if (req.headers.get("authorization") !== `Bearer ${config.adminToken}`) {
      return json({ error: "unauthorized", message: "send Authorization: Bearer <admin token>" }, 401);
    }
    let body: unknown;
    try { body = await req.json(); } catch { return json({ error: "bad_request", message: "the body must be JSON: {\"text\": \"...\"}" }, 400); }
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
