import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RunningServer } from "../../src/server/start.ts";
import { broadcastBodyLimit } from "../../src/server/http.ts";
import { start } from "../integration/harness.ts";

const ADMIN = "admin-token-for-the-hardening-test";

describe("HTTP hardening", () => {
  let server: RunningServer;
  beforeAll(async () => { server = await start({ adminToken: ADMIN, maxText: 100 }); });
  afterAll(() => server.stop());

  const expectSecurityHeaders = (res: Response, what: string) => {
    const h: Record<string, string | null> = Object.fromEntries(["content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy"].map((k) => [k, res.headers.get(k)]));
    expect({ what, csp: h["content-security-policy"] }).toEqual({ what, csp: expect.stringContaining("frame-ancestors 'none'") });
    expect({ what, csp: h["content-security-policy"] }).toEqual({ what, csp: expect.stringContaining("default-src 'self'") });
    const rest: Record<string, string | null> = { ...h, "content-security-policy": "" };
    expect({ what, rest }).toEqual({ what, rest: {
      "content-security-policy": "", "x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
    } });
  };

  test("the page, its bundled script and stylesheet, /health and a 404 all carry the security headers", async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const html = await page.text();
    expectSecurityHeaders(page, "/");
    const assets = [...html.matchAll(/(?:src|href)="\.?\/?(chunk-[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
    expect(assets.some((a) => a.endsWith(".css"))).toBe(true);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script: CSP script-src 'self' would block it
    for (const a of assets) {
      const res = await fetch(`${server.url}/${a}`);
      expect({ a, status: res.status }).toEqual({ a, status: 200 });
      expectSecurityHeaders(res, a);
    }
    expectSecurityHeaders(await fetch(`${server.url}/health`), "/health");
    const missing = await fetch(`${server.url}/no-such-thing`);
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing, "404");
  }, 60_000);

  test("POST /api/broadcast refuses a body over its limit with 413, declared or streamed, without reading it all", async () => {
    const limit = broadcastBodyLimit(server.config);
    const post = (body: BodyInit) => fetch(`${server.url}/api/broadcast`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body });
    const big = JSON.stringify({ text: "x".repeat(50), pad: "y".repeat(limit) });
    const declared = await post(big);
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: string }).error).toBe("too_large");
    // Streamed without a Content-Length (chunked): counted as it arrives.
    const chunks = new ReadableStream<Uint8Array>({
      start(c) { for (let i = 0; i < 64; i++) c.enqueue(new Uint8Array(limit / 8).fill(0x20)); c.close(); },
    });
    expect((await post(chunks)).status).toBe(413);
    // Within the limit it still works, and a wrong token is still 401 before any body is read.
    expect((await post(JSON.stringify({ text: "hello all" }))).status).toBe(200);
    const wrong = await fetch(`${server.url}/api/broadcast`, { method: "POST", headers: { authorization: "Bearer nope" }, body: big });
    expect(wrong.status).toBe(401);
  }, 30_000);
});
