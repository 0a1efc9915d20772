/**
 * `bun bench/profile.ts [json|msgpack|relay] [N] [seconds] [dir]`: one server under the fan-out
 * load at saturation only (no paced phase, no rounds), with Bun's CPU profiler on, so a profile
 * shows where the hot path's time goes and nothing else. Writes DIR/*.cpuprofile and *.md (Bun
 * writes them when the server exits). Relative shares are what to read: on a shared machine the
 * absolute rates mean nothing, and no conclusion about throughput belongs here.
 */
import { resolve } from "node:path";
import { newCounters, openClient, padFor, type Client } from "./lib/loadgen.ts";
import { spawnServer } from "./lib/proc.ts";
import { tempDb } from "./lib/temp.ts";
import { windowFor, TEXT_CHARS } from "./fanout.bench.ts";

const [which = "json", nArg = "64", secondsArg = "8", dirArg = "prof"] = process.argv.slice(2);
const n = Number(nArg);
const seconds = Number(secondsArg);
const dir = resolve(dirArg);
const prof = ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${dir}`];
const limits = ["--rate-limit", "0", "--connect-rate-limit", "0", "--max-connections-per-ip", "0", "--max-connections-per-user", "0"];

const server = which === "relay"
  ? await spawnServer([process.execPath, ...prof, "bench/baselines/durable-relay.ts"], /listening (\d+)/, { DB: tempDb() })
  : await spawnServer([process.execPath, ...prof, "run", "src/main.ts", "--port", "0", "--db", tempDb(), ...limits], /hubbub listening on http:\/\/127\.0\.0\.1:(\d+)/);
const dialect = which === "relay" ? { kind: "relay" as const } : { kind: "hubbub" as const, encoding: which === "msgpack" ? "msgpack" as const : "json" as const };

const c = newCounters(1);
const window = windowFor(n);
const outstanding = new Int32Array(n);
let pumping = true;
const clients: Client[] = [];
const send = (id: number) => { clients[id]!.send(); outstanding[id]! += 1; };
for (let i = 0; i < n; i++) {
  clients.push(await openClient(server.port, dialect, i, "prof", c, () => { outstanding[i]! -= 1; if (pumping) send(i); }, padFor(TEXT_CHARS)));
}
for (let id = 0; id < n; id++) while (outstanding[id]! < window) send(id);
await Bun.sleep(seconds * 1000);
pumping = false;
await Bun.sleep(500);
for (const cl of clients) cl.close();
await server.stop();
console.log(`${which} N=${n}: ${c.sent} messages sent, ${c.received} deliveries in ${seconds} s; profile in ${dir}`);
process.exit(0);
