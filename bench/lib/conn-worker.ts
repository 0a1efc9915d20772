/**
 * One load-generator process of the 100k-connections benchmark (bench/cluster-scale.bench.ts):
 * opens `count` hubbub connections to one node, each a user of its own that says hello and joins
 * one of `rooms` rooms, then keeps them open silently, as the SDK does against this server (it
 * pings only after 1.5 heartbeat intervals without a frame, and the server sends each hello'd
 * connection a heartbeat every 25 s; Bun's idle timeout pings at the protocol level, which the
 * WebSocket client answers by itself), and reports on stdout, one JSON line each:
 *   {"ready": n, "ms": …, "retries": r}  every connection hello'd and its join acked; r joins retried
 *                                    after a retryable error (store_unavailable, overloaded), as the SDK does
 *   {"broadcast": n, "last": t, "open": o, "closes": {code: count}}
 *                                    n connections got the broadcast; t = when the last did (ms, wall
 *                                    clock); o still open; closes since ready, by close code
 * A process holds fewer sockets than its open-file limit; the benchmark starts as many as it needs.
 * Usage: bun bench/lib/conn-worker.ts PORT FIRST COUNT ROOMS
 */
const [port, first, count, rooms] = process.argv.slice(2).map(Number) as [number, number, number, number];
const INFLIGHT = 128;
const MAX_RETRIES = 10_000;
let retries = 0;

const sockets: WebSocket[] = [];
let broadcastSeen = 0;
let openCount = 0;
const closes: Record<number, number> = {};
let lastBroadcastAt = 0;
const print = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

/** One connection: hello, then join; resolves once the join is acked. */
function attempt(i: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, "hubbub.v1.json");
  return new Promise((resolve, reject) => {
    let joined = false;
    ws.onopen = () => {
      ws.send(`{"type":"hello","user":"c${i}","device":"d","client":"bench"}`);
      ws.send(`{"type":"join","id":"j","room":"r${i % rooms}"}`);
    };
    ws.onmessage = (m) => {
      const s = m.data as string;
      if (!joined) {
        if (s.startsWith('{"type":"ack","id":"j"')) { joined = true; openCount += 1; resolve(ws); }
        else if (s.startsWith('{"type":"error"')) { ws.close(); reject(new Retryable(s.slice(0, 200))); }
        return;
      }
      if (s.includes("scale-probe")) {
        broadcastSeen += 1;
        lastBroadcastAt = performance.timeOrigin + performance.now();
      }
    };
    ws.onerror = () => { if (!joined) reject(new Retryable(`connection ${i} failed`)); };
    ws.onclose = (e) => {
      if (!joined) return reject(new Retryable(`connection ${i} closed ${e.code}`));
      openCount -= 1;
      closes[e.code] = (closes[e.code] ?? 0) + 1;
    };
  });
}

class Retryable extends Error {}

/**
 * As the SDK does: a hello or join refused with a retryable code (store_unavailable, overloaded:
 * the shared store was slow to confirm under load) or a dropped socket is tried again, on a new
 * socket after a pause; counted, and reported with the results.
 */
async function open(i: number): Promise<WebSocket> {
  for (;;) {
    try {
      return await attempt(i);
    } catch (e) {
      if (!/store_unavailable|overloaded|rate_limited|failed|closed 1006|closed 4106/.test((e as Error).message) || retries >= MAX_RETRIES) throw e;
      retries += 1;
      await Bun.sleep(250 + Math.random() * 750);
    }
  }
}

const t0 = performance.now();
let next = 0;
await Promise.all(Array.from({ length: INFLIGHT }, async () => {
  while (next < count) sockets.push(await open(first + next++));
}));
print({ ready: sockets.length, ms: performance.now() - t0, retries });

// Reports the broadcast once every connection has it, or what arrived 20 s after the first.
let firstSeenAt = 0;
setInterval(() => {
  if (broadcastSeen === 0) return;
  firstSeenAt ||= Date.now();
  if (broadcastSeen >= openCount || Date.now() - firstSeenAt > 20_000) {
    print({ broadcast: broadcastSeen, last: lastBroadcastAt, open: openCount, closes });
    broadcastSeen = 0;
    firstSeenAt = 0;
  }
}, 50);
