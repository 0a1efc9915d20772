/**
 * `bun bench/heap-census.ts [connections] [hello|join] [where]`: what each connection keeps in the
 * server's JS heap. The server runs in this process (so `heapStats()` from `bun:jsc` sees it);
 * the clients run in a child process (so their objects are not counted). Each client says hello
 * and, with `join`, joins a room of 100. Prints the heap growth and the objects per connection
 * by type, after a full GC before and after; with `where`, also by what holds each object
 * (lib/heap-where.ts: which field of which object, or which Map, each connection adds).
 * A census, not a benchmark: it counts, it does not time.
 */
import { heapStats } from "bun:jsc";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../src/server/start.ts";
import { silentLogger } from "../src/observability/log.ts";
import { removeTempDbs, tempDb } from "./lib/temp.ts";
import { whereCensus, whereGrowth } from "./lib/heap-where.ts";

const n = Number(process.argv[2] ?? 2000);
const mode = process.argv[3] === "join" ? "join" : "hello";
const where = process.argv[4] === "where";
const server = await startServer({ port: 0, db: tempDb(), rateLimit: 0, connectRateLimit: 0, maxConnectionsPerIp: 0, maxConnectionsPerUser: 0 }, silentLogger);

const clients = `
  const [port, n, join] = [${server.port}, ${n}, ${mode === "join"}];
  let ready = 0;
  const sockets = [];
  for (let i = 0; i < n; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, k) => new Promise((ok) => {
      const ws = new WebSocket("ws://127.0.0.1:" + port + "/ws", "hubbub.v1.json");
      ws.onmessage = (m) => { const s = String(m.data); if (join ? s.startsWith('{"type":"ack"') && s.includes('"id":"j"') : s.includes('"synced"')) ready++; };
      ws.onopen = () => {
        ws.send(JSON.stringify({ type: "hello", user: "u" + (i + k), device: "d", client: "bench" }));
        if (join) ws.send(JSON.stringify({ type: "join", id: "j", room: "r" + Math.floor((i + k) / 100) }));
        sockets.push(ws); ok();
      };
    })));
  }
  while (ready < n) await Bun.sleep(20);
  console.log("READY");
  await Bun.sleep(600000);
`;

const census = () => { Bun.gc(true); const h = heapStats(); return { size: h.heapSize, types: h.objectTypeCounts as Record<string, number> }; };
const before = census();
// Kept in a file, so the first census is not counted in the heap figure or the second census;
// taken after the heap figure above, which a snapshot's own leftovers would otherwise inflate.
const whereFile = join(tmpdir(), `hubbub-heap-where-${process.pid}.json`);
if (where) writeFileSync(whereFile, JSON.stringify([...whereCensus()]));
const child = Bun.spawn([process.execPath, "-e", clients], { stdout: "pipe", stderr: "inherit" });
const reader = child.stdout.getReader();
for (let text = ""; !text.includes("READY"); ) {
  const { value, done } = await reader.read();
  if (done) throw new Error("the clients ended before all were ready");
  text += new TextDecoder().decode(value);
}
await Bun.sleep(1500); // presence announcements and acks settle
const after = census();
const rows = Object.keys(after.types)
  .map((k) => [k, ((after.types[k] ?? 0) - (before.types[k] ?? 0)) / n] as const)
  .filter(([, v]) => v >= 0.05).sort((a, b) => b[1] - a[1]);
console.log(`${n} connections, ${mode === "join" ? "hello + join (rooms of 100)" : "hello"}: JS heap ${((after.size - before.size) / n).toFixed(0)} bytes per connection`);
for (const [k, v] of rows) console.log(`  ${v.toFixed(2).padStart(7)}  ${k}`);
if (where) {
  const whereAfter = whereCensus();
  const growth = whereGrowth(new Map(JSON.parse(readFileSync(whereFile, "utf8"))), whereAfter, n);
  rmSync(whereFile, { force: true });
  console.log("by what holds them (per connection: count, self size, type <- holder.field > its holder.field):");
  for (const line of growth) console.log(line);
}
child.kill();
await server.stop();
removeTempDbs();
process.exit(0);
