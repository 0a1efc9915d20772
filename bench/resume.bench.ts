/**
 * 3. Resume: a client that missed K events reconnects — time from hello to synced, and events
 * per second replayed. Plus start-up time on a log of 1M events, without and with a snapshot.
 */
import { Database } from "bun:sqlite";
import { SUBPROTOCOLS } from "../src/protocol/index.ts";
import { openEventLog } from "../src/store/open-log.ts";
import type { AppendRequest } from "../src/store/event-log.ts";
import { spawnServer } from "./lib/proc.ts";
import { fmt, fmtSpread, spread, table } from "./lib/stats.ts";
import { tempDb } from "./lib/temp.ts";
import { atMost, type BenchOptions, type Goal, type Section } from "./lib/section.ts";

const HUBBUB_READY = /hubbub listening on http:\/\/127\.0\.0\.1:(\d+)/;

async function fillLog(path: string, messages: number): Promise<void> {
  const log = await openEventLog({ path, synchronous: "NORMAL" });
  const at = Date.now();
  log.append([
    { stream: "room:big", kind: "joined", author: "reader", body: {}, at },
    { stream: "user:reader", kind: "room_joined", author: "reader", body: { room: "big" }, at },
    { stream: "room:big", kind: "joined", author: "writer", body: {}, at },
  ]);
  for (let i = 0; i < messages; i += 1000) {
    const batch: AppendRequest[] = [];
    for (let k = i; k < Math.min(messages, i + 1000); k++) batch.push({ stream: "room:big", kind: "message", author: "writer", body: { text: `message ${k}, long enough to look like chat` }, cmid: `m${k}`, at });
    log.append(batch);
  }
  log.close();
}

/** Opens a socket, says hello with a cursor `missed` events behind the head, and times hello → synced. */
async function resumeOnce(port: number, head: number, missed: number): Promise<{ ms: number; events: number }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, SUBPROTOCOLS.json);
  await new Promise((r) => (ws.onopen = r));
  let events = 0;
  const t0 = performance.now();
  const done = new Promise<number>((resolve) => {
    ws.onmessage = (m) => {
      const s = m.data as string;
      if (s.startsWith('{"type":"event"')) events++;
      else if (s.startsWith('{"type":"synced"')) resolve(performance.now() - t0);
    };
  });
  ws.send(JSON.stringify({ type: "hello", user: "reader", device: `bench-${missed}-${Math.random()}`, client: "bench", cursors: { "room:big": head - missed, "user:reader": 1, broadcast: 0 } }));
  const ms = await done;
  ws.close();
  return { ms, events };
}

/** The floor: reading the same rows with a raw SELECT and serialising them, in this process. */
function rawRead(path: string, head: number, missed: number): number {
  const db = new Database(path, { readonly: true });
  const q = db.query("SELECT * FROM events WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?");
  const t0 = performance.now();
  let bytes = 0;
  for (let c = head - missed; c < head;) {
    const rows = q.all("room:big", c, 1000) as { seq: number }[];
    for (const r of rows) bytes += JSON.stringify(r).length;
    c = rows[rows.length - 1]!.seq;
  }
  const ms = performance.now() - t0;
  db.close();
  return bytes > 0 ? ms : Number.NaN;
}

async function startupMs(path: string): Promise<{ ms: number; line: string }> {
  const t0 = performance.now();
  const s = await spawnServer([process.execPath, "run", "src/main.ts", "--port", "0", "--db", path], HUBBUB_READY);
  const ms = performance.now() - t0;
  const h = (await (await fetch(`http://127.0.0.1:${s.port}/health`)).json()) as { startup: { replayed: number; ms: number; fromSnapshot: boolean } };
  await s.stop();
  return { ms, line: `${fmt(h.startup.replayed)} events replayed${h.startup.fromSnapshot ? " after a snapshot" : ""}, projection ${fmt(h.startup.ms, 0)} ms` };
}

export async function resume(o: BenchOptions): Promise<Section> {
  const total = o.quick ? 20_000 : 100_000;
  const path = tempDb();
  await fillLog(path, total);
  const head = total + 2;
  // --read-rate-limit 0: this measures how fast the server replays. By default a user's replays
  // and history share a read budget (4 MiB/s, bursts of 8 MiB; docs/security.md), and the
  // repetitions below resume the same user back to back, so they would measure that pacing.
  const server = await spawnServer([process.execPath, "run", "src/main.ts", "--port", "0", "--db", path, "--rate-limit", "0", "--read-rate-limit", "0", "--connect-rate-limit", "0", "--max-connections-per-ip", "0", "--max-connections-per-user", "0"], HUBBUB_READY);
  const rows: string[][] = [];
  const json: unknown[] = [];
  const goals: Goal[] = [];
  try {
    for (const k of o.quick ? [1000, 10_000] : [1000, 10_000, 100_000]) {
      const times: number[] = [];
      const raw: number[] = [];
      let events = 0;
      for (let r = 0; r < (o.reps ?? (o.quick ? 2 : 5)); r++) {
        const x = await resumeOnce(server.port, head, k);
        times.push(x.ms);
        events = x.events;
        raw.push(rawRead(path, head, k));
      }
      const s = spread(times);
      const rr = spread(raw);
      rows.push([fmt(k), fmt(events), fmtSpread(s, 1), fmt((k / s.median) * 1000), fmtSpread(rr, 1), fmt(s.median / rr.median, 1)]);
      json.push({ missed: k, received: events, helloToSyncedMs: s, rawReadMs: rr });
      if (k === 10_000) goals.push(atMost("resume after missing 10,000 events: hello → synced < 150 ms", s.median, 150, `${fmt(s.median, 1)} ms`));
      goals.push(atMost(`resume after missing ${fmt(k)} events: every missed event replayed`, k - events, 0, `${fmt(events)} of ${fmt(k)}`));
    }
  } finally {
    await server.stop();
  }
  // Start-up on a big log: first with no snapshot (full replay), then after a clean stop saved one.
  const bigPath = tempDb();
  const big = o.quick ? 100_000 : 1_000_000;
  await fillLog(bigPath, big);
  const cold = await startupMs(bigPath);
  const warm = await startupMs(bigPath);
  json.push({ startup: { events: big, cold, warm } });
  goals.push(atMost(`start-up on a log of ${fmt(big)} events, no snapshot, < 5 s${big < 1_000_000 ? " (quick mode: the target is for 1,000,000)" : ""}`, cold.ms, 5000, `${fmt(cold.ms)} ms`));
  return {
    name: "resume", title: "3. Resume and start-up",
    markdown: `A room with ${fmt(total)} messages; a client reconnects with its cursor K events behind the head (JSON), on a server started with \`--read-rate-limit 0\`: this is the replay's own speed. With the default read budget (4 MiB/s per user, bursts of 8 MiB, the security issue's answer to history amplification) a replay past 8 MiB is paced at 4 MiB/s: 100,000 missed events of ~150 bytes take about 2 s more. "raw read" is a SELECT of the same rows plus JSON.stringify in the benchmark process: the floor for any log-backed replay.\n\n` +
      table(["missed K", "events received", "hello → synced ms", "events/s replayed", "raw read ms", "× raw read"], rows) +
      `\n\nStart-up on a log of ${fmt(big)} events (time from process start to the listening line):\n\n` +
      table(["start", "ms", "what happened"], [["no snapshot (first start)", fmt(cold.ms), cold.line], ["after a clean stop (snapshot)", fmt(warm.ms), warm.line]]),
    json,
    goals,
  };
}
