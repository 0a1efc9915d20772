/**
 * Abuse scenario: a pre-hello flood. Many unauthenticated sockets each pour msgpack bombs and junk
 * before any hello; each must be closed with 4004 after its small budget, while a signed-in
 * bystander keeps getting answers and the server's memory stays bounded.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloseCode } from "../../src/protocol/index.ts";
import { nestedArray16Bomb } from "../../src/protocol/arbitraries.ts";
import { type ServerProcess, spawnServer } from "../integration/process.ts";
import { Peer } from "./fuzz/peer.ts";
import { rssBytes } from "./rss.ts";

let server: ServerProcess;
beforeAll(async () => {
  const db = join(mkdtempSync(join(tmpdir(), "hubbub-flood-")), "hubbub.db");
  server = await spawnServer(["--port", "0", "--db", db, "--connect-rate-limit", "0", "--max-connections-per-ip", "0"]);
});
afterAll(async () => {
  server.proc.kill();
  await server.proc.exited;
});

test("100 sockets flooding 64 KB msgpack bombs before hello: each closed with 4004, the bystander answered throughout, RSS bounded", async () => {
  const bystander = await Peer.open(server.url, "json");
  bystander.send({ type: "hello", id: "h", user: "carol", device: "d", client: "cli" });
  await bystander.waitFor((f) => f.type === "synced", 15_000, "bystander hello");
  const rss0 = rssBytes(server.proc.pid);
  let rssMax = rss0;

  const bomb = nestedArray16Bomb(60 * 1024);
  const flooders = await Promise.all(Array.from({ length: 100 }, () => Peer.open(server.url, "msgpack")));
  // Each sends 20 bombs (1.2 MB) at once: the budget (8 frames / 64 KiB) closes it after the second.
  for (const f of flooders) for (let i = 0; i < 20; i++) f.sendRaw(bomb);

  for (let i = 0; i < 10; i++) {
    bystander.send({ type: "ping", id: `p${i}` });
    const r = await bystander.waitFor((f) => "id" in f && f.id === `p${i}`, 15_000, `bystander ping ${i}`);
    expect(r).not.toBe("closed");
    rssMax = Math.max(rssMax, rssBytes(server.proc.pid));
  }
  const codes = await Promise.all(flooders.map(async (f) => { await f.waitFor(() => false, 15_000, "").catch(() => {}); return f.closeCode; }));
  rssMax = Math.max(rssMax, rssBytes(server.proc.pid));
  expect(new Set(codes)).toEqual(new Set([CloseCode.PreHelloLimit]));
  expect(bystander.problems).toEqual([]);
  expect(bystander.closeCode).toBeUndefined();
  // 100 sockets and their buffers included; before the fixes one such bomb alone cost 1.7 GB.
  expect(rssMax - rss0).toBeLessThan(64 * 1024 * 1024);
  bystander.close();
}, 60_000);
