/** GET /metrics: the Prometheus exposition, behind an optional bearer token (--metrics-token). */
import { bearerMatches } from "./bearer.ts";
import type { Exposition } from "../observability/metrics-prom.ts";

const json = (body: unknown, status: number, headers: Record<string, string> = {}) => Response.json(body, { status, headers });

export function metricsHandler(exposition: Exposition | undefined, token: string | undefined): (req: Request) => Promise<Response> {
  return async (req) => {
    if (!exposition) return json({ error: "disabled", message: "metrics are off (start without --metrics off)" }, 404);
    if (token && !bearerMatches(req.headers.get("authorization"), token)) {
      return json({ error: "unauthorized", message: "send Authorization: Bearer <metrics token>" }, 401, { "WWW-Authenticate": "Bearer" });
    }
    return new Response(await exposition.render(), { headers: { "content-type": exposition.contentType } });
  };
}
