/**
 * The operator commands (`hubbub backup`, `hubbub restore`, `hubbub log verify|export|stats`): parse, open the
 * database read-only, run, and end every failure as one line on stderr (HUBBUB_DEBUG=1 adds the
 * stack). Exit codes: 0 done, 1 failed (or verify found a problem), 2 usage mistake.
 */
import { StdoutClosed, watchStdout, writeOut } from "../cli/stdout.ts";
import { parseOpsCommand, type OpsCommand } from "./args.ts";
import { backup } from "./backup.ts";
import { OpsError, OpsUsageError } from "./errors.ts";
import { exportLog } from "./export.ts";
import { importToStore } from "./import.ts";
import { openDatabase } from "./open.ts";
import { restore } from "./restore.ts";
import { formatStats, logStats } from "./stats.ts";
import { verifyLog } from "./verify.ts";


export async function runOperatorCommand(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  watchStdout();
  try {
    const cmd = parseOpsCommand(argv, env);
    if (cmd.name === "help") {
      writeOut(`${cmd.text}\n`);
      return cmd.exitCode;
    }
    if (cmd.name === "import") return await runImport(cmd);
    return run(cmd);
  } catch (e) {
    if (e instanceof StdoutClosed) return 0;
    if (e instanceof OpsUsageError) {
      process.stderr.write(`hubbub: usage: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`hubbub: error: ${e instanceof OpsError ? e.message : (e as Error).message ?? String(e)}\n`);
    if (env.HUBBUB_DEBUG) console.error(e);
    return 1;
  }
}

/** The one asynchronous command: it talks to PostgreSQL. */
async function runImport(cmd: Extract<OpsCommand, { name: "import" }>): Promise<number> {
  const { reader, path } = openDatabase(cmd.db);
  try {
    const { bunSqlClient } = await import("../store/engine/pg/bun-sql.ts");
    const r = await importToStore(reader, path, cmd.store, (url) => bunSqlClient({ url, max: 1, applicationName: "hubbub-import" }));
    writeOut(`imported ${r.events} events in ${r.streams} streams (${r.facts} facts) from ${path} into ${r.store} in ${r.ms.toFixed(0)} ms\n`);
    writeOut(`epoch ${r.epoch} kept: clients resume on any node where they stopped. Start the nodes with --store and a --db each (${path} can be one of them).\n`);
    return 0;
  } finally {
    reader.close();
  }
}

function run(cmd: Exclude<OpsCommand, { name: "help" | "import" }>): number {
  // restore reads the backup; every other command reads the database.
  const { reader, path } = openDatabase(cmd.name === "restore" ? cmd.backup : cmd.db);
  try {
    switch (cmd.name) {
      case "backup": {
        const r = backup(reader, path, cmd.target, cmd.force);
        writeOut(`backup written to ${r.path}: ${r.events} events up to pos ${r.lastPos}, ${(r.bytes / 2 ** 20).toFixed(1)} MiB, ${r.ms.toFixed(0)} ms\n`);
        return 0;
      }
      case "restore": {
        const r = restore(reader, path, cmd.db, cmd.force);
        writeOut(`restored ${r.path} from ${path}: ${r.events} events up to pos ${r.lastPos}, new epoch ${r.epoch} (clients start afresh)\n`);
        if (r.aside) writeOut(`the replaced database is kept at ${r.aside}\n`);
        return 0;
      }
      case "verify": {
        const r = verifyLog(reader);
        for (const n of r.notes) writeOut(`note: ${n}\n`);
        for (const p of r.problems) writeOut(`problem: ${p}\n`);
        const what = `${r.events} events in ${r.streams} streams, last pos ${r.lastPos}`;
        writeOut(r.problems.length === 0 ? `ok: ${what}\n` : `${r.problems.length} problem${r.problems.length === 1 ? "" : "s"} found in ${what}\n`);
        return r.problems.length === 0 ? 0 : 1;
      }
      case "export":
        exportLog(reader, writeOut, cmd.stream);
        return 0;
      case "stats": {
        const s = logStats(reader, path);
        writeOut(`${cmd.json ? JSON.stringify(s) : formatStats(s)}\n`);
        return 0;
      }
      default: {
        const never: never = cmd;
        throw new Error(`unhandled command ${JSON.stringify(never)}`);
      }
    }
  } finally {
    reader.close();
  }
}
