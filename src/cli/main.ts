#!/usr/bin/env bun
/**
 * hubbub, the command-line client. Every user mistake ends as one line on stderr and a
 * non-zero exit, never a stack trace.
 */
import { CommandError } from "../client/index.ts";
import { isRoomName, isUserName } from "../protocol/index.ts";
import { common, parse, positiveInt, UsageError } from "./args.ts";
import { chat } from "./commands/chat.ts";
import { history, membership, rooms, send, who } from "./commands/one-shot.ts";
import { tail } from "./commands/tail.ts";
import { HELP } from "./help.ts";
import { CliError, describe, makeClient, whenLive } from "./session.ts";

async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  // The command may come after common flags (hubbub --url U send …): take the first known name.
  const at = argv.findIndex((a) => a in HELP && a !== "main");
  const command = at >= 0 ? argv[at] : argv.find((a) => !a.startsWith("-"));
  const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 1)] : argv.filter((a) => a !== command);
  if (!command || command === "help") {
    process.stdout.write(`${HELP.main}\n`);
    return command || argv.includes("--help") || argv.includes("-h") ? 0 : 2;
  }
  if (!(command in HELP) || command === "main") throw new UsageError(`unknown command "${command}" (try hubbub --help)`);
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${HELP[command]}\n`);
    return 0;
  }
  const own = {
    room: { type: "string" }, to: { type: "string" }, count: { type: "string" }, limit: { type: "string" },
    follow: { type: "boolean" }, join: { type: "boolean" },
  } as const;
  const { values, positionals } = parse(rest, own, true);
  const flags = common(values, env);
  const room = values.room as string | undefined;
  if (room !== undefined && !isRoomName(room)) throw new UsageError(`"${room}" is not a room name (1-64 of A-Z a-z 0-9 _ . -)`);
  if (values.to !== undefined && !isUserName(values.to)) throw new UsageError(`"${String(values.to)}" is not a user name`);
  const needRoom = () => { if (!room) throw new UsageError(`${command} needs --room R`); return room; };
  const client = makeClient(flags, env);

  if (command === "tail") {
    const count = positiveInt(values.count, "--count");
    const done = tail(client, { room: needRoom(), count, follow: values.follow === true, join: values.join === true, json: flags.json }, whenLive(client, flags.url));
    await done;
    client.close();
    return 0;
  }
  await whenLive(client, flags.url);
  try {
    switch (command) {
      case "chat": await chat(client, room, flags.json); break;
      case "send": {
        const text = positionals.join(" ");
        if (!text) throw new UsageError("send needs the text to send");
        const to = values.to as string | undefined;
        if ((room === undefined) === (to === undefined)) throw new UsageError("send needs exactly one of --room R or --to USER");
        await send(client, flags.json, to ? { user: to } : { room: room! }, text, values.join === true);
        break;
      }
      case "history": await history(client, flags.json, needRoom(), positiveInt(values.limit, "--limit") ?? 20); break;
      case "rooms": await rooms(client, flags.json); break;
      case "who": await who(client, flags.json, needRoom()); break;
      case "join": case "leave": {
        const r = positionals[0] ?? room;
        if (!r) throw new UsageError(`${command} needs a room name`);
        await membership(client, flags.json, r, command === "join");
        break;
      }
    }
  } finally {
    client.close();
  }
  return 0;
}

try {
  const code = await main(process.argv.slice(2), process.env);
  process.exit(code);
} catch (e) {
  const known = e instanceof UsageError || e instanceof CommandError || e instanceof CliError;
  process.stderr.write(`hubbub: ${e instanceof UsageError ? "usage" : "error"}: ${describe(e)}\n`);
  if (!known && process.env.HUBBUB_DEBUG) console.error(e);
  process.exit(e instanceof UsageError ? 2 : 1);
}
