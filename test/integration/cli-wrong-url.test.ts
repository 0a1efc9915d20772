/**
 * A wrong --url says what is actually there: nothing listening, an HTTP server that does not
 * upgrade (with its status, and where hubbub does answer), or a WebSocket that is not hubbub.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Server } from "bun";
import type { RunningServer } from "../../src/server/start.ts";
import { cli, tempDir } from "./cli-process.ts";
import { start } from "./harness.ts";

const config = tempDir();
let hubbub: RunningServer;
const others: Server<undefined>[] = [];
beforeAll(async () => { hubbub = await start(); });
afterAll(() => { hubbub.stop(); for (const s of others) s.stop(true); });

/** A server on a random port: `fetch` answers plain HTTP, `ws` (when given) upgrades and acts. */
function other(fetch: (req: Request) => Response, ws?: { open?: (ws: Bun.ServerWebSocket<undefined>) => void; echo?: boolean }): string {
  const s = Bun.serve({
    port: 0,
    fetch: (req, srv) => (ws && srv.upgrade(req) ? undefined : fetch(req)),
    websocket: { open: (w) => ws?.open?.(w), message: (w, m) => { if (ws?.echo) w.send(m); } },
  });
  others.push(s);
  return `http://127.0.0.1:${s.port}`;
}

const rooms = async (url: string, ...more: string[]) => {
  const r = await cli(["rooms", "--url", url, "--user", "eve", ...more], config);
  expect({ code: r.code, out: r.out, lines: r.err.trimEnd().split("\n").length }).toEqual({ code: 1, out: "", lines: 1 });
  return r.err.trimEnd();
};

test("a wrong path on a hubbub server: the HTTP status, and the --url that works", async () => {
  const err = await rooms(`${hubbub.url}/wrongpath`);
  expect(err).toBe(`hubbub: error: not_hubbub: ${hubbub.url}/wrongpath/ws answered HTTP 404 Not Found, not a WebSocket upgrade: not a hubbub server (a hubbub server answers at ${hubbub.url}: --url ${hubbub.url})`);
}, 20_000);

test("an HTTP server that is not hubbub: its status, and what --url should be", async () => {
  const url = other(() => new Response("<html>a blog</html>", { status: 200, headers: { "content-type": "text/html" } }));
  expect(await rooms(url)).toBe(`hubbub: error: not_hubbub: ${url}/ws answered HTTP 200 OK, not a WebSocket upgrade: not a hubbub server (--url is the server's base address, e.g. http://127.0.0.1:8080)`);
}, 20_000);

test("a WebSocket server that is not hubbub: echoes, closes, or stays silent", async () => {
  const ws = (url: string) => url.replace(/^http/, "ws");
  const echo = other(() => new Response("no"), { echo: true });
  expect(await rooms(echo)).toBe(`hubbub: error: not_hubbub: ${ws(echo)}/ws accepted a WebSocket but answered with a frame of no hubbub type: not a hubbub server (--url is the server's base address, e.g. http://127.0.0.1:8080)`);
  const closes = other(() => new Response("no"), { open: (w) => w.close(1000, "bye") });
  expect(await rooms(closes)).toContain(`not_hubbub: ${ws(closes)}/ws accepted a WebSocket but closed it (1000) before any hubbub welcome`);
  const silent = other(() => new Response("no"), {});
  // 5 s: long enough for a local socket to open on a loaded machine, so the wait that runs out is the welcome's.
  expect(await rooms(silent, "--timeout", "5")).toContain(`not_hubbub: ${ws(silent)}/ws accepted a WebSocket but sent no hubbub welcome within 5 s`);
}, 30_000);

test("nothing listening: is the server running?", async () => {
  const s = Bun.serve({ port: 0, fetch: () => new Response("") });
  const url = `http://127.0.0.1:${s.port}`;
  s.stop(true); // a port that was just free: nothing listens there now
  expect(await rooms(url)).toBe(`hubbub: error: unreachable: cannot connect to ${url} (is the server running?)`);
}, 20_000);
