/**
 * `bun bench/profile-connect.ts [connections] [dir] [join|hello|one]`: hubbub with Bun's CPU
 * profiler on while N connections open (256 at a time), each saying hello (a user each) and, unless
 * `hello`, joining a room of 100 (`one`: the same room for all); prints the rate until every
 * connection is ready (synced, or its join acked). Relative shares only (see bench/profile.ts);
 * the rate against raw Bun is `bun bench/connect-rate.ts` or `bun run bench connections`.
 * BENCH_IDLE=S then keeps every connection open and silent for S seconds (after a 2 s settle)
 * before closing, and prints where that idle window lies, counted back from the profile's end,
 * so an idle joined server's samples can be read apart from the connect phase's.
 */
import { resolve } from "node:path";
import { SUBPROTOCOLS } from "../src/protocol/index.ts";
import { spawnServer } from "./lib/proc.ts";
import { HUBBUB_READY, NO_LIMITS } from "./lib/targets.ts";
import { removeTempDbs, tempDb } from "./lib/temp.ts";

const n = Number(process.argv[2] ?? 3000);
const dir = resolve(process.argv[3] ?? "prof");
const mode = process.argv[4] ?? "join";
if (mode !== "join" && mode !== "hello" && mode !== "one") throw new Error(`mode: join, hello or one, not ${mode}`);
const mark = mode === "hello" ? '"synced"' : '"id":"j"';
const server = await spawnServer([process.execPath, "--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${dir}`, "run", "src/main.ts", "--port", "0", "--db", tempDb(),
  ...NO_LIMITS], HUBBUB_READY);
let ready = 0;
const sockets: WebSocket[] = [];
const t0 = performance.now();
for (let i = 0; i < n; i += 256) {
  await Promise.all(Array.from({ length: Math.min(256, n - i) }, (_, k) => new Promise<void>((ok, fail) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, SUBPROTOCOLS.json);
    ws.onmessage = (m) => { const s = String(m.data); if (s.includes(mark) && (mode === "hello" || s.startsWith('{"type":"ack"'))) ready++; };
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: "hello", user: `u${i + k}`, device: "d", client: "bench", batch: true }));
      if (mode !== "hello") ws.send(JSON.stringify({ type: "join", id: "j", room: mode === "one" ? "everyone" : `r${Math.floor((i + k) / 100)}` }));
      sockets.push(ws); ok();
    };
    ws.onerror = () => fail(new Error("connect failed"));
  })));
}
const deadline = Date.now() + 120_000;
while (ready < n && Date.now() < deadline) await Bun.sleep(10);
const seconds = (performance.now() - t0) / 1000;
const idle = Number(process.env.BENCH_IDLE ?? 0);
let idleFrom = 0, idleTo = 0;
if (idle > 0) {
  await Bun.sleep(2000);
  idleFrom = performance.now();
  await Bun.sleep(idle * 1000);
  idleTo = performance.now();
}
for (const ws of sockets) ws.close();
await server.stop();
// The server writes its profile as it exits, so its end is about now.
if (idle > 0) console.log(`idle window: from ${((performance.now() - idleFrom) / 1000).toFixed(2)} s to ${((performance.now() - idleTo) / 1000).toFixed(2)} s before the profile's end`);
removeTempDbs();
console.log(`${ready} of ${n} ${mode === "hello" ? "hello" : "hello + join"} in ${seconds.toFixed(2)} s: ${(ready / seconds).toFixed(0)}/s (profiled, on whatever else this machine runs); profile in ${dir}`);
process.exit(0);
