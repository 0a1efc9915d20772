/**
 * The minimal durable relay: the fewest lines that do the same observable job as hubbub's room
 * `send`, so the benchmarks can say what hubbub's actors, guards and projection cost on top of
 * the durable floor. Per message: decode, give it the room's next seq and a global position,
 * append it durably with the same uniqueness guarantees (UNIQUE(stream, seq), UNIQUE(cmid,
 * author): a retried cmid is acked with its original seq and not published again), one
 * transaction per event-loop turn with synchronous=FULL (group commit), then ack the sender and
 * publish the event to the room, both after COMMIT. No auth, no membership, no rate limit.
 */
import { Database } from "bun:sqlite";

const db = new Database(process.env.DB ?? ":memory:", { strict: true });
db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
db.exec(`CREATE TABLE IF NOT EXISTS events (pos INTEGER PRIMARY KEY, stream TEXT NOT NULL, seq INTEGER NOT NULL,
  author TEXT NOT NULL, cmid TEXT, at INTEGER NOT NULL, body TEXT NOT NULL, UNIQUE(stream, seq));
  CREATE UNIQUE INDEX IF NOT EXISTS events_cmid ON events(cmid, author) WHERE cmid IS NOT NULL;`);
const insert = db.query("INSERT INTO events (stream, seq, author, cmid, at, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING pos");
const original = db.query<{ seq: number; pos: number }, [string, string]>("SELECT seq, pos FROM events WHERE cmid = ? AND author = ?");
const heads = new Map<string, number>();

interface Msg { stream: string; author: string; cmid: string; body: { text: string } }
interface Pending { ws: Bun.ServerWebSocket<unknown>; m: Msg }
let queue: Pending[] = [];

const commit = db.transaction((batch: Pending[]) => batch.map(({ m }) => {
  const seq = (heads.get(m.stream) ?? 0) + 1;
  const at = Date.now();
  const row = insert.get(m.stream, seq, m.author, m.cmid, at, JSON.stringify(m.body)) as { pos: number } | null;
  if (!row) return { dup: true, ...original.get(m.cmid, m.author)!, at };
  heads.set(m.stream, seq);
  return { dup: false, seq, pos: row.pos, at };
}));

function flush(): void {
  const batch = queue;
  queue = [];
  const done = commit.immediate(batch);
  batch.forEach(({ ws, m }, i) => {
    const r = done[i]!;
    ws.send(`{"type":"ack","stream":"${m.stream}","seq":${r.seq},"pos":${r.pos}}`, false);
    if (!r.dup) server.publish("room", JSON.stringify({ type: "event", stream: m.stream, seq: r.seq, pos: r.pos, at: r.at, author: m.author, kind: "message", body: m.body, cmid: m.cmid }), false);
  });
}

const server = Bun.serve({
  hostname: process.env.HOST ?? "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  fetch(req, srv) {
    if (srv.upgrade(req, { data: undefined })) return undefined;
    return new Response("websocket only", { status: 400 });
  },
  websocket: {
    perMessageDeflate: false,
    idleTimeout: Number(process.env.IDLE_TIMEOUT ?? 120),
    open(ws) { ws.subscribe("room"); },
    message(ws, data) {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ ws, m: JSON.parse(data as string) as Msg });
    },
  },
});
console.log(`listening ${server.port}`);
// Exit on SIGTERM (the harness's stop) rather than die of it, so `bun --cpu-prof` (bench/profile.ts) writes its profile.
process.on("SIGTERM", () => process.exit(0));
