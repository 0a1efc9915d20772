/**
 * `bun bench/profile-idle.ts [connections] [pings/s] [seconds] [dir]`: hubbub with Bun's CPU
 * profiler on, N hello'd connections sitting idle and pinging (app-level, as clients that do not
 * hear the server's heartbeat do; pings/s 0 for the SDK against this server), so the profile
 * shows what an idle server spends its CPU on. Relative shares only (see bench/profile.ts).
 */
import { resolve } from "node:path";
import { SUBPROTOCOLS } from "../src/protocol/index.ts";
import { cpuSeconds, spawnServer } from "./lib/proc.ts";
import { tempDb } from "./lib/temp.ts";

const [nArg = "2000", rateArg = "1000", secondsArg = "15", dirArg = "prof"] = process.argv.slice(2);
const n = Number(nArg), rate = Number(rateArg), seconds = Number(secondsArg);
const dir = resolve(dirArg);
const server = await spawnServer([process.execPath, "--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${dir}`, "run", "src/main.ts", "--port", "0", "--db", tempDb(),
  "--rate-limit", "0", "--connect-rate-limit", "0", "--max-connections-per-ip", "0", "--max-connections-per-user", "0"], /hubbub listening on http:\/\/127\.0\.0\.1:(\d+)/);
const sockets: WebSocket[] = [];
let synced = 0;
for (let i = 0; i < n; i += 200) {
  await Promise.all(Array.from({ length: Math.min(200, n - i) }, (_, k) => new Promise<void>((ok, fail) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, SUBPROTOCOLS.json);
    ws.onmessage = (m) => { if (String(m.data).includes('"synced"')) synced++; };
    ws.onopen = () => { ws.send(JSON.stringify({ type: "hello", user: `idle${i + k}`, device: "d", client: "bench" })); sockets.push(ws); ok(); };
    ws.onerror = () => fail(new Error("connect failed"));
  })));
}
while (synced < n) await Bun.sleep(20);
await Bun.sleep(1000);
let next = 0, owed = 0;
const timer = setInterval(() => { for (owed += rate / 100; owed >= 1; owed--) sockets[next++ % n]!.send('{"type":"ping"}'); }, 10);
const cpu0 = cpuSeconds(server.pid);
await Bun.sleep(seconds * 1000);
const cpu = cpuSeconds(server.pid) - cpu0;
clearInterval(timer);
for (const ws of sockets) ws.close();
await server.stop();
console.log(`${n} idle connections, ${rate} pings/s: server CPU ${((cpu / seconds) * 100).toFixed(2)} % of a core over ${seconds} s (profiled, so above an unprofiled run); profile in ${dir}`);
process.exit(0);
