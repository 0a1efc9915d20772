/**
 * The command line, parsed with node:util into one value: either "show this help" or a command
 * with its checked options. Pure (argv and env in, value out), so every rule is unit-tested;
 * a user mistake is a UsageError whose message is the one line the user sees.
 */
import { parseArgs } from "node:util";
import { isRoomName, isUserName, type ModerationFrame, type SendTarget } from "../protocol/index.ts";

export class UsageError extends Error {}

/** The commands an owner or moderator gives about another user (each is also a protocol frame). */
export const MODERATIONS = ["invite", "uninvite", "kick", "ban", "unban"] as const satisfies readonly ModerationFrame["type"][];
export type Moderation = (typeof MODERATIONS)[number];
export const isModeration = (s: string): s is Moderation => (MODERATIONS as readonly string[]).includes(s);
export const COMMANDS = ["chat", "send", "edit", "delete", "tail", "history", "search", "rooms", "who", "join", "leave", ...MODERATIONS] as const;
export type Command = (typeof COMMANDS)[number];
const isCommand = (s: string | undefined): s is Command => (COMMANDS as readonly string[]).includes(s ?? "");

const OPTIONS = {
  // common to every command
  url: { type: "string" },
  user: { type: "string" },
  token: { type: "string" },
  encoding: { type: "string" },
  state: { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  // a command's own (which command takes which: OWN below)
  room: { type: "string" },
  to: { type: "string" },
  join: { type: "boolean" },
  count: { type: "string" },
  limit: { type: "string" },
  follow: { type: "boolean", short: "f" },
  lines: { type: "boolean" },
  id: { type: "string" },
  private: { type: "boolean" },
} as const;
type Option = keyof typeof OPTIONS;
const COMMON: readonly Option[] = ["url", "user", "token", "encoding", "state", "timeout", "json", "help"];
const OWN: Record<Command, readonly Option[]> = {
  chat: ["room"],
  send: ["room", "to", "join", "lines", "id"],
  edit: ["room", "to"],
  delete: ["room", "to"],
  tail: ["room", "count", "follow", "join"],
  history: ["room", "limit"],
  search: ["room", "to", "limit"],
  rooms: [],
  who: ["room"],
  join: ["room", "private"],
  leave: ["room"],
  invite: [],
  uninvite: [],
  kick: [],
  ban: [],
  unban: [],
};

export const DEFAULT_URL = "http://127.0.0.1:8080";
/** A send's --id: the cmid itself, or with --lines `ID.N`, which must stay within a cmid's 64. */
const SEND_ID = /^[A-Za-z0-9_.:-]{1,48}$/;

export interface CommonFlags {
  url: string;
  user?: string;
  token?: string;
  encoding: "json" | "msgpack";
  /** The state file; undefined means the default path for this user and server. */
  state?: string;
  json: boolean;
  /** How long to wait for the server (connecting, a reply, a send's ack). */
  timeoutMs: number;
}

export type Action =
  | { name: "chat"; room?: string }
  /** No `text`: read it from stdin (all of it as one message, or with `lines` one message per line). */
  | { name: "send"; to: SendTarget; text?: string; lines: boolean; id?: string; join: boolean }
  /** A message of mine, by its seq in a room or in my DM with a user; no `text`: read it from stdin. */
  | { name: "edit"; in: SendTarget; seq: number; text?: string }
  | { name: "delete"; in: SendTarget; seq: number }
  | { name: "tail"; room: string; count?: number; follow: boolean; join: boolean }
  | { name: "history"; room: string; limit: number }
  /** Messages of a room or a DM whose current text contains `q`, newest first. */
  | { name: "search"; in: SendTarget; q: string; limit: number }
  | { name: "rooms" }
  | { name: "who"; room: string }
  /** `private`: create the room invite-only (refused with room_exists if it exists). */
  | { name: "join"; room: string; private?: true }
  | { name: "leave"; room: string }
  /** A room's owner or moderator letting a user in, or putting them out. */
  | { name: Moderation; room: string; user: string };

export type CommandLine =
  | { kind: "help"; topic: Command | "main"; exitCode: 0 | 2 }
  | { kind: "run"; common: CommonFlags; action: Action };

type Env = Record<string, string | undefined>;
type Values = Partial<Record<Option, string | boolean>>;

export function parseCommandLine(argv: string[], env: Env): CommandLine {
  const beforeTerminator = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
  const named = beforeTerminator.find(isCommand);
  // Help wins over every other mistake on the line, so `hubbub send --bad --help` still helps.
  if (beforeTerminator.some((a) => a === "--help" || a === "-h")) return { kind: "help", topic: named ?? "main", exitCode: 0 };
  if (argv[0] === "help") return { kind: "help", topic: isCommand(argv[1]) ? argv[1] : "main", exitCode: 0 };
  if (argv.length === 0) return { kind: "help", topic: "main", exitCode: 2 };

  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (e) {
    // node's messages are one sentence, sometimes with advice after a full stop: keep the sentence.
    const sentence = (e as Error).message.split(". ")[0]!;
    const dash = sentence.startsWith("Unknown option '-") ? "; a TEXT that starts with - goes after --" : "";
    throw new UsageError(`${sentence}${dash} (see hubbub ${named ?? ""}${named ? " " : ""}--help)`);
  }
  const [command, ...args] = positionals;
  if (command === undefined) throw new UsageError("no command given (see hubbub --help)");
  if (!isCommand(command)) throw new UsageError(`unknown command "${command}" (see hubbub --help)`);
  for (const o of Object.keys(values) as Option[]) {
    if (!COMMON.includes(o) && !OWN[command].includes(o)) throw new UsageError(`${command} has no --${o} option (see hubbub ${command} --help)`);
  }
  return { kind: "run", common: commonFlags(values, env), action: action(command, values, args) };
}

function commonFlags(v: Values, env: Env): CommonFlags {
  const encoding = str(v.encoding) ?? env.HUBBUB_ENCODING ?? "json";
  if (encoding !== "json" && encoding !== "msgpack") throw new UsageError(`--encoding must be json or msgpack, not "${encoding}"`);
  const url = str(v.url) ?? env.HUBBUB_URL ?? DEFAULT_URL;
  if (!/^(https?|wss?):\/\/[^/]/.test(url) || !URL.canParse(url)) throw new UsageError(`--url must look like http://HOST:PORT, not "${url}"`);
  const token = str(v.token) ?? (env.HUBBUB_TOKEN || undefined);
  // A token names the user itself; a --user next to it would only be ignored by the server.
  const user = str(v.user) ?? (token ? undefined : env.HUBBUB_USER || undefined);
  if (!user && !token) throw new UsageError("say who you are: --user NAME (or --token JWT, or HUBBUB_USER)");
  if (user !== undefined && !isUserName(user)) throw new UsageError(`"${user}" is not a user name (1-32 of A-Z a-z 0-9 _ . -)`);
  const seconds = Number(str(v.timeout) ?? env.HUBBUB_TIMEOUT ?? 15);
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new UsageError("--timeout must be a number of seconds above 0");
  return { url, user, token, encoding, state: str(v.state) ?? (env.HUBBUB_STATE || undefined), json: v.json === true, timeoutMs: seconds * 1000 };
}

function action(command: Command, v: Values, args: string[]): Action {
  const room = optionalRoom(v.room);
  const needRoom = (): string => room ?? fail(`${command} needs --room R`);
  const noArgs = () => { if (args.length > 0) fail(`${command} takes no arguments, but got "${args[0]}"`); };
  switch (command) {
    case "chat": noArgs(); return { name: "chat", room };
    case "send": {
      const to = str(v.to);
      target(command, room, v);
      if (to !== undefined && v.join) fail("--join goes with --room, not --to");
      const text = args.length > 0 ? args.join(" ") : undefined;
      if (text !== undefined && text.trim() === "") fail("send needs the text to send: hubbub send --room R TEXT (or on stdin)");
      if (text !== undefined && v.lines) fail("--lines sends the lines of stdin: give no TEXT with it");
      const id = str(v.id);
      if (id !== undefined && !SEND_ID.test(id)) fail(`--id must be 1-48 of A-Z a-z 0-9 _ . : -, not "${id}"`);
      return { name: "send", to: to !== undefined ? { user: to } : { room: room! }, text, lines: v.lines === true, id, join: v.join === true };
    }
    case "edit": case "delete": {
      const where = target(command, room, v);
      const [seqArg, ...words] = args;
      if (seqArg === undefined) fail(`${command} needs the message's seq: hubbub ${command} --room R SEQ${command === "edit" ? " TEXT" : ""}`);
      const seq = positiveInt(seqArg, "SEQ")!;
      if (command === "delete") {
        if (words.length > 0) fail(`delete takes one SEQ, but got "${words[0]}" too`);
        return { name: "delete", in: where, seq };
      }
      const text = words.length > 0 ? words.join(" ") : undefined;
      if (text !== undefined && text.trim() === "") fail("edit needs the new text: hubbub edit --room R SEQ TEXT (or on stdin)");
      return { name: "edit", in: where, seq, text };
    }
    case "tail":
      noArgs();
      return { name: "tail", room: needRoom(), count: positiveInt(v.count, "--count"), follow: v.follow === true, join: v.join === true };
    case "history": noArgs(); return { name: "history", room: needRoom(), limit: positiveInt(v.limit, "--limit") ?? 20 };
    case "search": {
      const where = target(command, room, v);
      const q = args.join(" ");
      if (q.trim() === "") fail("search needs what to look for: hubbub search --room R WORDS");
      if (q.length > 200) fail("search looks for at most 200 characters");
      return { name: "search", in: where, q, limit: positiveInt(v.limit, "--limit") ?? 20 };
    }
    case "rooms": noArgs(); return { name: "rooms" };
    case "who": noArgs(); return { name: "who", room: needRoom() };
    case "join": case "leave": {
      if (args.length > 1 || (args.length === 1 && room !== undefined)) fail(`${command} takes one room`);
      const r = args.length === 1 ? optionalRoom(args[0]) : room;
      const named = r ?? fail(`${command} needs a room: hubbub ${command} ROOM`);
      return command === "join" && v.private === true ? { name: "join", room: named, private: true } : { name: command, room: named };
    }
    case "invite": case "uninvite": case "kick": case "ban": case "unban": {
      if (args.length !== 2) fail(`${command} needs a room and a user: hubbub ${command} ROOM USER`);
      const user = args[1]!;
      if (!isUserName(user)) fail(`"${user}" is not a user name (1-32 of A-Z a-z 0-9 _ . -)`);
      return { name: command, room: optionalRoom(args[0])!, user };
    }
  }
}

/** Exactly one of --room R or --to USER. */
function target(command: Command, room: string | undefined, v: Values): SendTarget {
  const to = str(v.to);
  if ((room === undefined) === (to === undefined)) fail(`${command} needs exactly one of --room R or --to USER`);
  if (to !== undefined && !isUserName(to)) fail(`"${to}" is not a user name (1-32 of A-Z a-z 0-9 _ . -)`);
  return to !== undefined ? { user: to } : { room: room! };
}

function optionalRoom(v: unknown): string | undefined {
  const r = str(v);
  if (r !== undefined && !isRoomName(r)) fail(`"${r}" is not a room name (1-64 of A-Z a-z 0-9 _ . -)`);
  return r;
}

export function positiveInt(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) fail(`${flag} must be a whole number above 0, not "${String(v)}"`);
  return n;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
function fail(message: string): never { throw new UsageError(message); }
