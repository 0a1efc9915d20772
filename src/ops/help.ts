/** Help texts of the operator commands (the CLI's overview lists them too). */
export type OpsHelpTopic = "backup" | "restore" | "log" | "verify" | "export" | "stats" | "import";

const DB = `  --db PATH         the database (default ./data/hubbub.db; env HUBBUB_DB), the server's --db`;
const LIVE = `Safe while the server runs: a read-only connection that never blocks the server (SQLite WAL).`;

export const OPS_HELP: Record<OpsHelpTopic, string> = {
  backup: `Usage: hubbub backup PATH [--db DB] [--force]

Writes a consistent copy of the database to PATH (SQLite VACUUM INTO): every event committed
when the backup starts is in it. The copy is written under a temporary name beside PATH,
checked, synced, then renamed, so PATH is either the old file or a whole new backup; mode 0600.
${LIVE}

${DB}
  --force           replace PATH if it exists (refused otherwise)

Put a backup back with hubbub restore (server stopped). Exit code 0 done, 1 failed, 2 usage mistake.`,

  restore: `Usage: hubbub restore BACKUP [--db DB] [--force]

Replaces the database with a copy of BACKUP, the server stopped: it takes the server's lock, so
it refuses while a server runs on DB, and no server starts while it works. The restored log
gets a new epoch: events after the backup are lost, so clients drop their cursors and start
afresh instead of mistaking new events for ones they saw. The replaced database (and its -wal)
is kept beside it as DB.replaced-TIME; delete it once you are sure.

${DB}
  --force           needed when DB exists (it always does, unless it was lost)

Exit code 0 done, 1 failed, 2 usage mistake.`,

  log: `Usage: hubbub log <verify|export|stats> [--db DB]

  verify    checks the log's invariants; prints each problem; exit 1 if it found any
  export    every event as NDJSON, in log order (--stream S: one stream, in seq order)
  stats     events, streams, kinds, size, first and last time (--json: one object)

${LIVE}

${DB}`,

  verify: `Usage: hubbub log verify [--db DB]

Checks, in one consistent read of the log: SQLite's quick_check; per stream, seqs gapless and
unique (a room stream may start later than #1: retention pruned it); each (author, cmid) at most
once; positions increasing with seq; every body a JSON object of a known kind; the latest
projection snapshot equal to a replay of the log up to its position.
Prints each problem and exits 1 if there is any, else prints a summary and exits 0.
${LIVE}

${DB}`,

  export: `Usage: hubbub log export [--db DB] [--stream S]

Prints events as NDJSON, one object a line: pos, stream, seq, kind, author, at (ms), cmid
(if any), body. All streams in pos order, or one stream (--stream room:lobby) in seq order.
One consistent read: events committed after the export started are not in it.
${LIVE}

${DB}
  --stream S        only this stream (room:NAME, dm:A:B, user:NAME, broadcast)`,

  stats: `Usage: hubbub log stats [--db DB] [--json]

Events, streams by type, events by kind, file size (database and WAL), first and last event
time, the latest snapshot's position.
${LIVE}

${DB}
  --json            one JSON object instead of the table`,

  import: `Usage: hubbub import --db FILE --store postgres://user@host:5432/database

Moves a single server's history into an empty PostgreSQL store, to start cluster nodes on it
(docs/deploy.md). Every event keeps its position, seq, client message id and bytes, and the store
takes the log's epoch: clients resume on any node exactly where they stopped. Membership and the
other facts the cluster's guards check are rebuilt from the history. One transaction: the store
ends up with the whole history or stays empty.

The server must be stopped: import takes its lock on FILE. Refused when the store already holds
events, and for a log pruned by retention (--retain) or with gaps in its positions.
FILE itself may then serve as one node's --db (its replica): it already holds the history.

${DB}
  --store URL       the PostgreSQL store the nodes will share (env HUBBUB_STORE)

Exit code 0 done, 1 failed (nothing written), 2 usage mistake.`,
};
