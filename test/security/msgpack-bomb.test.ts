import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ErrorFrame } from "../../src/protocol/index.ts";
import { nestedArray16Bomb } from "../../src/protocol/arbitraries.ts";
import { TestClient } from "../integration/harness.ts";
import { type ServerProcess, spawnServer } from "../integration/process.ts";
import { rssBytes } from "./rss.ts";

// A server process of its own, so its RSS is the server's alone.
let server: ServerProcess;
beforeAll(async () => {
  const db = join(mkdtempSync(join(tmpdir(), "hubbub-bomb-")), "hubbub.db");
  server = await spawnServer(["--port", "0", "--db", db, "--auth", "jwt", "--jwt-secret", "x".repeat(32)]);
});
afterAll(async () => {
  server.proc.kill();
  await server.proc.exited;
});

test("a 64 KB frame of nested array16 headers, sent before hello in JWT mode, is refused with bad_frame and RSS grows < 10 MB", async () => {
  const c = await TestClient.open(server.url, "msgpack");
  // Warm the server's paths up once with a harmless bad frame, then measure.
  c.sendRaw(new Uint8Array([0xc1]));
  await c.waitFor((f) => f.type === "error");
  const before = rssBytes(server.proc.pid);
  const t0 = performance.now();
  c.sendRaw(nestedArray16Bomb(64 * 1024));
  const err = (await c.waitFor((f) => f.type === "error" && c.frames.indexOf(f) > 0, 20_000)) as ErrorFrame;
  const ms = performance.now() - t0;
  expect(err.code).toBe("bad_frame");
  expect(rssBytes(server.proc.pid) - before).toBeLessThan(10 * 1024 * 1024);
  // Generous (a loaded 2-core machine); today's main takes ~10 s and 1.7 GB here.
  expect(ms).toBeLessThan(3000);
  // The server still answers.
  const res = await fetch(`${server.url}/health`);
  expect(res.status).toBe(200);
  c.close();
}, 60_000);
