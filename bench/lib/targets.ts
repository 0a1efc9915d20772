/** The servers the benchmarks run: hubbub and the baselines, each as its own process. */
import type { Dialect } from "./loadgen.ts";
import { spawnServer, type ServerProc } from "./proc.ts";
import { tempDb } from "./temp.ts";

export interface Target {
  name: string;
  dialect: Dialect;
  start(): Promise<ServerProc>;
}

const READY = /listening (\d+)/;
/** hubbub's line on stdout once it listens, with its port. */
export const HUBBUB_READY = /hubbub listening on http:\/\/[^:]+:(\d+)/;
/** Every per-client limit off: the load generator is one address opening thousands of connections as fast as it can. */
export const NO_LIMITS = ["--rate-limit", "0", "--connect-rate-limit", "0", "--max-connections-per-ip", "0", "--max-connections-per-user", "0"];

/** `bun run bench --cpu-prof DIR` profiles every hubbub server the fan-out and durability benchmarks start (Bun writes .cpuprofile and .md on exit). */
export const cpuProf = (): string[] => {
  const dir = process.env.BENCH_CPU_PROF;
  const interval = process.env.BENCH_CPU_PROF_INTERVAL; // µs between samples (Bun's default 1000)
  return dir ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${dir}`, ...(interval ? [`--cpu-prof-interval=${interval}`] : [])] : [];
};

export function hubbub(name: string, encoding: "json" | "msgpack", extra: string[] = []): Target {
  return {
    name,
    dialect: { kind: "hubbub", encoding },
    start: () => spawnServer([process.execPath, ...cpuProf(), "run", "src/main.ts", "--port", "0", "--db", tempDb(), ...NO_LIMITS, ...extra], HUBBUB_READY),
  };
}

export const rawBun: Target = {
  name: "raw Bun pub/sub", dialect: { kind: "relay" },
  start: () => spawnServer([process.execPath, "bench/baselines/raw-bun.ts"], READY),
};
/** The minimal durable relay (bench/baselines/durable-relay.ts): hubbub's job without its actors, on a temp file. */
export const durableRelay: Target = {
  name: "durable relay", dialect: { kind: "relay" },
  start: () => spawnServer([process.execPath, "bench/baselines/durable-relay.ts"], READY, { DB: tempDb() }),
};
export const wsNode: Target = {
  name: "Node 20 ws", dialect: { kind: "relay" },
  start: () => spawnServer(["node", "bench/baselines/ws-node.mjs"], READY),
};
export const socketIo: Target = {
  name: "Socket.IO 4", dialect: { kind: "socketio" },
  start: () => spawnServer(["node", "bench/baselines/socketio.mjs"], READY),
};
