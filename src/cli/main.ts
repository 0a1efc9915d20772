#!/usr/bin/env bun
/**
 * hubbub, the command-line client. Parses the command line, runs one command on an SDK client
 * over the state file, and ends every failure as one line on stderr with a non-zero exit, never
 * a stack trace (set HUBBUB_DEBUG=1 to see one).
 */
import { unreachable } from "../protocol/index.ts";
import { parseCommandLine, UsageError, type Action } from "./args.ts";
import { deleteMessage, editMessage } from "./commands/change.ts";
import { chat } from "./commands/chat.ts";
import { moderate } from "./commands/moderate.ts";
import { history, membership, rooms, send, sendLines, who } from "./commands/one-shot.ts";
import { search } from "./commands/search.ts";
import { tail } from "./commands/tail.ts";
import { errorLine } from "./format.ts";
import { HELP } from "./help.ts";
import { connect, describe, drainOutbox, openSession, type Session } from "./session.ts";
import { readAllStdin, stdinLines } from "./stdin.ts";
import { StdoutClosed, watchStdout, writeOut } from "./stdout.ts";

async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const line = parseCommandLine(argv, env);
  if (line.kind === "help") {
    writeOut(`${HELP[line.topic]}\n`);
    return line.exitCode;
  }
  const session = await openSession(line.common, env, staysOnline(line.action));
  try {
    await run(session, line.action);
  } finally {
    session.client.close(); // also writes the state file one last time
  }
  return 0;
}

/** Only the commands someone watches are shown online to others; a one-shot command comes and goes unseen. */
const staysOnline = (a: Action): boolean => a.name === "chat" || (a.name === "tail" && a.follow);

async function run(s: Session, a: Action): Promise<void> {
  // chat and tail connect themselves: they must be listening before the replay arrives.
  if (a.name === "chat") return chat(s, a.room);
  if (a.name === "tail") return tail(s, a);
  // Read before connecting: a mistake (a terminal for stdin) fails first, and a slow producer holds no connection.
  const text = (a.name === "send" && !a.lines) || a.name === "edit" ? a.text ?? await readAllStdin() : undefined;
  const lines = a.name === "send" && a.lines ? stdinLines() : undefined;
  await connect(s);
  switch (a.name) {
    case "send":
      if (lines) await sendLines(s, a, lines);
      else await send(s, a, text!);
      break;
    case "edit": await editMessage(s, a.in, a.seq, text!); break;
    case "delete": await deleteMessage(s, a.in, a.seq); break;
    case "search": await search(s, a.in, a.q, a.limit); break;
    case "history": await history(s, a.room, a.limit); break;
    case "rooms": await rooms(s); break;
    case "who": await who(s, a.room); break;
    case "join": await membership(s, a.room, true, a.private === true); break;
    case "leave": await membership(s, a.room, false); break;
    case "invite": case "uninvite": case "kick": case "ban": case "unban": await moderate(s, a.name, a.room, a.user); break;
    default: unreachable(a);
  }
  // Sends an earlier run queued went out on connect: give their acks a moment to come back.
  await drainOutbox(s, 2000);
}

const argv = process.argv.slice(2);
watchStdout();
try {
  process.exitCode = await main(argv, process.env);
} catch (e) {
  // StdoutClosed: the reader went away (hubbub history | head): done, quietly, as Unix tools are.
  if (!(e instanceof StdoutClosed)) {
    const usage = e instanceof UsageError;
    process.stderr.write(`${errorLine(describe(e), argv.includes("--json"), usage)}\n`);
    if (process.env.HUBBUB_DEBUG) console.error(e);
    process.exitCode = usage ? 2 : 1;
  }
}
// No process.exit(): under Bun it drops output that a slow reader has not taken from the pipe
// yet (hubbub history | less). Every command closes what it opened, so the process ends here.
