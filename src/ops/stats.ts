/** `hubbub log stats`: what is in a log and how big it is, in one consistent read. */
import { existsSync, statSync } from "node:fs";
import { parseStream } from "../protocol/index.ts";
import { SNAPSHOT_NAME } from "../projections/snapshot.ts";
import type { SqliteReader } from "../store/sqlite/sqlite-reader.ts";

export interface LogStats {
  path: string;
  epoch: string | null;
  /** On disk: the database file and its write-ahead log (not yet checkpointed into it). */
  bytes: { db: number; wal: number };
  events: number;
  firstPos: number | null;
  lastPos: number | null;
  /** Server times (ms since the epoch) of the oldest and newest event kept. */
  firstAt: number | null;
  lastAt: number | null;
  streams: { total: number; room: number; dm: number; user: number; broadcast: number; other: number };
  kinds: Record<string, number>;
  snapshot: { pos: number; version: number } | null;
}

const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);

export function logStats(db: SqliteReader, path: string): LogStats {
  return db.snapshot(() => {
    const t = db.get<{ n: number; firstPos: number | null; lastPos: number | null; firstAt: number | null; lastAt: number | null }>(
      "SELECT count(*) AS n, min(pos) AS firstPos, max(pos) AS lastPos, min(at) AS firstAt, max(at) AS lastAt FROM events",
    );
    const streams = { total: 0, room: 0, dm: 0, user: 0, broadcast: 0, other: 0 };
    for (const s of db.iterate<{ stream: string }>("SELECT DISTINCT stream FROM events")) {
      streams.total += 1;
      streams[parseStream(s.stream)?.kind ?? "other"] += 1;
    }
    const kinds: Record<string, number> = {};
    for (const k of db.all<{ kind: string; n: number }>("SELECT kind, count(*) AS n FROM events GROUP BY kind ORDER BY n DESC, kind")) kinds[k.kind] = k.n;
    return {
      path,
      epoch: db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'epoch'")?.value ?? null,
      bytes: { db: size(path), wal: size(`${path}-wal`) },
      events: t?.n ?? 0,
      firstPos: t?.firstPos ?? null,
      lastPos: t?.lastPos ?? null,
      firstAt: t?.firstAt ?? null,
      lastAt: t?.lastAt ?? null,
      streams,
      kinds,
      snapshot: db.get<{ pos: number; version: number }>("SELECT pos, version FROM snapshots WHERE name = ?", SNAPSHOT_NAME) ?? null,
    };
  });
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const time = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString());

export function formatStats(s: LogStats): string {
  const st = s.streams;
  const kinds = Object.entries(s.kinds).map(([k, n]) => `${k} ${n}`).join(", ") || "-";
  return [
    `database   ${s.path} (${mib(s.bytes.db)} + ${mib(s.bytes.wal)} WAL)`,
    `epoch      ${s.epoch ?? "-"}`,
    `events     ${s.events}${s.firstPos === null ? "" : ` (pos ${s.firstPos}..${s.lastPos})`}`,
    `streams    ${st.total}: ${st.room} rooms, ${st.dm} DMs, ${st.user} users, ${st.broadcast} broadcast${st.other ? `, ${st.other} other` : ""}`,
    `kinds      ${kinds}`,
    `first      ${time(s.firstAt)}`,
    `last       ${time(s.lastAt)}`,
    `snapshot   ${s.snapshot ? `at pos ${s.snapshot.pos} (version ${s.snapshot.version})` : "none yet"}`,
  ].join("\n");
}
