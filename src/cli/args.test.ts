import { describe, expect, test } from "bun:test";
import { parseCommandLine, UsageError, type CommandLine } from "./args.ts";

const env = { HUBBUB_USER: "amy" };
const run = (argv: string[], e: Record<string, string | undefined> = env) => {
  const r = parseCommandLine(argv, e);
  if (r.kind !== "run") throw new Error(`expected a command, got ${JSON.stringify(r)}`);
  return r;
};
const usage = (argv: string[], e: Record<string, string | undefined> = env): string => {
  try {
    parseCommandLine(argv, e);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
};

describe("help", () => {
  test("--help or -h anywhere shows the named command's help, even next to a bad flag", () => {
    expect(parseCommandLine(["send", "--nope", "--help"], {})).toEqual<CommandLine>({ kind: "help", topic: "send", exitCode: 0 });
    expect(parseCommandLine(["-h", "tail"], {})).toEqual<CommandLine>({ kind: "help", topic: "tail", exitCode: 0 });
    expect(parseCommandLine(["--help"], {})).toEqual<CommandLine>({ kind: "help", topic: "main", exitCode: 0 });
    expect(parseCommandLine(["help", "who"], {})).toEqual<CommandLine>({ kind: "help", topic: "who", exitCode: 0 });
  });

  test("no arguments at all shows the overview with exit code 2", () => {
    expect(parseCommandLine([], {})).toEqual<CommandLine>({ kind: "help", topic: "main", exitCode: 2 });
  });

  test("--help after -- is message text, not a request for help", () => {
    expect(run(["send", "--room", "r", "--", "--help"]).action).toEqual({ name: "send", to: { room: "r" }, text: "--help", lines: false, join: false });
  });
});

describe("common flags", () => {
  test("defaults: the local server, JSON encoding, 15 s timeout, human output", () => {
    expect(run(["rooms"]).common).toEqual({
      url: "http://127.0.0.1:8080", user: "amy", token: undefined, encoding: "json", state: undefined, json: false, timeoutMs: 15_000,
    });
  });

  test("flags win over environment variables, which win over defaults", () => {
    const e = { HUBBUB_USER: "amy", HUBBUB_URL: "http://h:1", HUBBUB_ENCODING: "msgpack", HUBBUB_STATE: "/s.json", HUBBUB_TIMEOUT: "3" };
    expect(run(["rooms"], e).common).toMatchObject({ url: "http://h:1", encoding: "msgpack", state: "/s.json", timeoutMs: 3000 });
    const c = run(["rooms", "--url", "http://x:2", "--user", "bob", "--encoding", "json", "--state", "/t.json", "--timeout", "0.5", "--json"], e).common;
    expect(c).toEqual({ url: "http://x:2", user: "bob", token: undefined, encoding: "json", state: "/t.json", json: true, timeoutMs: 500 });
  });

  test("common flags may come before the command", () => {
    expect(run(["--url", "http://x:2", "send", "--room", "r", "hi"]).common.url).toBe("http://x:2");
  });

  test("a token from the environment is used without a user, and HUBBUB_USER does not override it", () => {
    expect(run(["rooms"], { HUBBUB_TOKEN: "t", HUBBUB_USER: "amy" }).common).toMatchObject({ token: "t", user: undefined });
  });

  test("mistakes in common flags are one clear sentence", () => {
    expect(usage(["rooms"], {})).toContain("--user NAME");
    expect(usage(["rooms", "--encoding", "xml"])).toBe('--encoding must be json or msgpack, not "xml"');
    expect(usage(["rooms", "--url", "localhost:8080"])).toContain("--url must look like http://HOST:PORT");
    expect(usage(["rooms", "--user", "no spaces"])).toContain("is not a user name");
    expect(usage(["rooms", "--timeout", "soon"])).toContain("--timeout");
    expect(usage(["rooms", "--timeout", "0"])).toContain("--timeout");
  });
});

describe("commands", () => {
  test("send to a room or a user joins the words into one text", () => {
    expect(run(["send", "--room", "lobby", "hello", "there"]).action).toEqual({ name: "send", to: { room: "lobby" }, text: "hello there", lines: false, join: false });
    expect(run(["send", "--to", "bob", "--", "-1 is negative"]).action).toEqual({ name: "send", to: { user: "bob" }, text: "-1 is negative", lines: false, join: false });
    expect(run(["send", "--room", "lobby", "--join", "hi"]).action).toMatchObject({ join: true });
  });

  test("send without TEXT reads stdin: all of it, or one message per line with --lines; --id makes it idempotent", () => {
    expect(run(["send", "--room", "a"]).action).toEqual({ name: "send", to: { room: "a" }, text: undefined, lines: false, id: undefined, join: false });
    expect(run(["send", "--to", "b", "--lines", "--id", "nightly-2026-12-02"]).action)
      .toEqual({ name: "send", to: { user: "b" }, lines: true, id: "nightly-2026-12-02", join: false });
  });

  test("edit and delete name a message by its seq in a room or a DM; edit without TEXT reads stdin", () => {
    expect(run(["edit", "--room", "lobby", "12", "fixed", "text"]).action).toEqual({ name: "edit", in: { room: "lobby" }, seq: 12, text: "fixed text" });
    expect(run(["edit", "--to", "bob", "3"]).action).toEqual({ name: "edit", in: { user: "bob" }, seq: 3, text: undefined });
    expect(run(["delete", "--to", "bob", "3"]).action).toEqual({ name: "delete", in: { user: "bob" }, seq: 3 });
    expect(usage(["delete", "--room", "a"])).toContain("needs the message's seq");
    expect(usage(["delete", "--room", "a", "0"])).toContain("SEQ must be a whole number above 0");
    expect(usage(["edit", "12", "x"])).toContain("exactly one of --room R or --to USER");
    expect(usage(["edit", "--room", "a", "--join", "1", "x"])).toContain("edit has no --join option");
  });

  test("search looks in a room or a DM for the words given, 20 matches unless --limit says otherwise", () => {
    expect(run(["search", "--room", "lobby", "deploy", "done"]).action).toEqual({ name: "search", in: { room: "lobby" }, q: "deploy done", limit: 20 });
    expect(run(["search", "--to", "bob", "--limit", "5", "x"]).action).toEqual({ name: "search", in: { user: "bob" }, q: "x", limit: 5 });
    expect(usage(["search", "--room", "lobby"])).toContain("search needs what to look for");
    expect(usage(["search", "--room", "lobby", "x".repeat(201)])).toContain("at most 200 characters");
    expect(usage(["search", "x"])).toContain("exactly one of --room R or --to USER");
  });

  test("send needs exactly one target and some text", () => {
    expect(usage(["send", "hi"])).toContain("exactly one of --room R or --to USER");
    expect(usage(["send", "--room", "a", "--to", "b", "hi"])).toContain("exactly one of");
    expect(usage(["send", "--room", "a", "  "])).toContain("needs the text");
    expect(usage(["send", "--to", "b", "--join", "hi"])).toContain("--join goes with --room");
    expect(usage(["send", "--room", "a", "--lines", "hi"])).toContain("give no TEXT with it");
    expect(usage(["send", "--room", "a", "--id", "has space", "hi"])).toContain("--id must be");
    expect(usage(["send", "--room", "a", "--id", "x".repeat(49), "hi"])).toContain("--id must be");
    expect(usage(["send", "--room", "a", "-1"])).toContain("goes after --");
  });

  test("tail takes a room, an optional count and --follow (-f)", () => {
    expect(run(["tail", "--room", "news"]).action).toEqual({ name: "tail", room: "news", count: undefined, follow: false, join: false });
    expect(run(["tail", "--room", "news", "--count", "3", "-f", "--join"]).action).toEqual({ name: "tail", room: "news", count: 3, follow: true, join: true });
    expect(usage(["tail"])).toBe("tail needs --room R");
    expect(usage(["tail", "--room", "news", "--count", "0"])).toContain("--count must be a whole number above 0");
    expect(usage(["tail", "--room", "news", "--count", "2.5"])).toContain("--count");
  });

  test("history defaults to 20; rooms, who, join and leave", () => {
    expect(run(["history", "--room", "r"]).action).toEqual({ name: "history", room: "r", limit: 20 });
    expect(run(["history", "--room", "r", "--limit", "700"]).action).toEqual({ name: "history", room: "r", limit: 700 });
    expect(run(["rooms"]).action).toEqual({ name: "rooms" });
    expect(run(["who", "--room", "r"]).action).toEqual({ name: "who", room: "r" });
    expect(run(["join", "r"]).action).toEqual({ name: "join", room: "r" });
    expect(run(["leave", "--room", "r"]).action).toEqual({ name: "leave", room: "r" });
    expect(run(["join", "r", "--private"]).action).toEqual({ name: "join", room: "r", private: true });
    for (const name of ["invite", "uninvite", "kick", "ban", "unban"] as const) expect(run([name, "plans", "bob"]).action).toEqual({ name, room: "plans", user: "bob" });
    expect(run(["chat"]).action).toEqual({ name: "chat", room: undefined });
  });

  test("an option of another command, an unknown option or command, a bad room name are usage errors", () => {
    expect(usage(["rooms", "--follow"])).toBe("rooms has no --follow option (see hubbub rooms --help)");
    expect(usage(["rooms", "--nope"])).toContain("Unknown option '--nope'");
    expect(usage(["frobnicate"])).toBe('unknown command "frobnicate" (see hubbub --help)');
    expect(usage(["--json"])).toBe("no command given (see hubbub --help)");
    expect(usage(["who", "--room", "a b"])).toContain("is not a room name");
    expect(usage(["join", "a:b"])).toContain("is not a room name");
    expect(usage(["join"])).toContain("join needs a room");
    expect(usage(["join", "a", "b"])).toContain("join takes one room");
    expect(usage(["leave", "r", "--private"])).toContain("leave has no --private option");
    expect(usage(["invite", "plans"])).toBe("invite needs a room and a user: hubbub invite ROOM USER");
    expect(usage(["kick", "plans", "bob", "cy"])).toContain("kick needs a room and a user");
    expect(usage(["ban", "plans", "no one"])).toContain('"no one" is not a user name');
    expect(usage(["unban", "a:b", "bob"])).toContain("is not a room name");
    expect(usage(["rooms", "extra"])).toBe('rooms takes no arguments, but got "extra"');
    expect(usage(["tail", "--room"])).toContain("argument missing");
  });

  test("every usage error is a single line", () => {
    for (const argv of [["send", "--nope"], ["tail", "--room"], ["send", "-x"], ["rooms", "--url", "x"]]) {
      expect(usage(argv)).not.toContain("\n");
    }
  });
});
