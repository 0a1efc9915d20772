/**
 * The one HTTP entry (Bun.serve's `fetch`; no Bun `routes` table, whose responses would bypass
 * it): the Host allow-list for every request, then /ws, the API routes, the web app's files —
 * and the security headers on every HTTP response.
 */
import type { HubServer } from "./transport.ts";
import { type HostPolicy, hostAllowed, hostRefused } from "./host-check.ts";
import type { WebFiles } from "./web-app.ts";

type Handler = (req: Request) => Response | Promise<Response>;
/** path -> method -> handler. */
export type Routes = Record<string, Partial<Record<string, Handler>>>;

/**
 * The web app loads only its own bundled script and stylesheet and talks only to its own origin
 * (CSP 'self' covers same-origin ws:/wss:); nothing may frame it (clickjacking), nothing is sniffed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join("; ");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

function secure(res: Response): Response {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.headers.set(k, v);
  return res;
}

const text = (body: string, status: number, headers: Record<string, string> = {}) =>
  secure(new Response(body, { status, headers: { "content-type": "text/plain;charset=utf-8", ...headers } }));

export interface FrontOptions {
  hosts: HostPolicy;
  routes: Routes;
  web: () => Promise<WebFiles>;
  upgrade: (req: Request, server: HubServer) => Response | undefined;
}

export function front(o: FrontOptions): (req: Request, server: HubServer) => Response | Promise<Response> | undefined {
  return (req, server) => {
    const host = req.headers.get("host");
    if (!hostAllowed(o.hosts, host)) return secure(hostRefused(host));
    const path = new URL(req.url).pathname;
    if (path === "/ws") {
      const refused = o.upgrade(req, server);
      return refused && secure(refused);
    }
    const route = o.routes[path];
    if (route) {
      const handler = route[req.method] ?? (req.method === "HEAD" ? route.GET : undefined);
      if (!handler) return text(`${req.method} is not allowed here\n`, 405, { allow: Object.keys(route).join(", ") });
      return Promise.resolve(handler(req)).then(secure);
    }
    if (req.method !== "GET" && req.method !== "HEAD") return text("not found\n", 404);
    return o.web().then((files) => {
      const f = files.get(path);
      if (!f) return text("not found\n", 404);
      // Bundled chunks are named by their content hash, so they never change; the page and the service worker are revalidated.
      const cache = path === "/" || path === "/sw.js" ? "no-cache" : "public, max-age=31536000, immutable";
      return secure(new Response(f.body, { headers: { "content-type": f.type, "cache-control": cache } }));
    });
  };
}
