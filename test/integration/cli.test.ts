/** The CLI's one-shot commands and tail, run as a user would against a real server. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import type { RunningServer } from "../../src/server/start.ts";
import { CliProcess, cli, cliIntoHead, cliOnTerminal, cliSlowReader, tempDir } from "./cli-process.ts";
import { TestClient, start } from "./harness.ts";

const config = tempDir();
const run = (args: string[], stdin?: string) => cli(args, config, stdin);
const oneLine = (s: string) => s.trimEnd().split("\n").length === 1 && s.endsWith("\n");

describe("hubbub CLI against a real server", () => {
  let server: RunningServer;
  let as: (user: string, state?: string) => string[];
  beforeAll(async () => {
    server = await start();
    as = (user, state = user) => ["--url", server.url, "--user", user, "--state", join(config, `${state}.json`)];
  });
  afterAll(() => server.stop());

  test("send waits for the durable ack and prints stream and seq; --json prints one object", async () => {
    expect(await run(["join", "lobby", ...as("bob")])).toMatchObject({ code: 0, out: "joined #lobby\n" });
    expect(await run(["send", "--room", "lobby", ...as("bob"), "hello", "there"])).toEqual({ code: 0, out: "sent room:lobby #2\n", err: "" });
    const j = await run(["send", "--room", "lobby", "--json", ...as("bob"), "again"]);
    expect(JSON.parse(j.out)).toMatchObject({ type: "sent", stream: "room:lobby", seq: 3 });
    (await TestClient.connect(server.url, "amy")).close(); // a DM goes only to someone who has signed in once
    const dm = await run(["send", "--to", "amy", "--encoding", "msgpack", ...as("bob"), "psst"]);
    expect(dm).toMatchObject({ code: 0, out: "sent dm:amy:bob #1\n" });
    expect(server.hub.log.get("room:lobby", 2)?.body.text).toBe("hello there");
    expect(server.hub.log.get("dm:amy:bob", 1)?.body.text).toBe("psst");
  }, 20_000);

  test("sending to a room you are not in fails with the code and one line; --join joins first", async () => {
    const unknown = await run(["send", "--room", "nowhere", ...as("eve"), "hi"]);
    expect(unknown.code).toBe(1);
    expect(oneLine(unknown.err)).toBe(true);
    expect(unknown.err).toStartWith("hubbub: error: unknown_room: there is no room nowhere");
    const notMember = await run(["send", "--room", "lobby", ...as("eve"), "hi"]);
    expect(notMember.code).toBe(1);
    expect(oneLine(notMember.err)).toBe(true);
    expect(notMember.err).toContain("not_member");
    expect(notMember.err).toContain("--join");
    expect(server.hub.log.head("room:lobby")).toBe(3); // nothing appended, nothing auto-joined
    expect(await run(["send", "--room", "lobby", "--join", ...as("eve"), "hi all"])).toMatchObject({ code: 0, out: "sent room:lobby #5\n" });
  }, 20_000);

  test("user mistakes are one line on stderr and a non-zero exit, never a stack trace", async () => {
    const cases: [string[], number, RegExp][] = [
      [["send", "--nope", ...as("eve")], 2, /^hubbub: usage: Unknown option '--nope'/],
      [["send", "--room", "no spaces", ...as("eve"), "x"], 2, /is not a room name/],
      [["tail", ...as("eve")], 2, /tail needs --room R/],
      [["rooms", "--follow", ...as("eve")], 2, /rooms has no --follow option/],
      [["frobnicate", ...as("eve")], 2, /unknown command "frobnicate"/],
      [["rooms", "--url", server.url], 2, /--user NAME/],
      [["rooms", "--url", "http://127.0.0.1:9", "--user", "eve"], 1, /^hubbub: error: unreachable: cannot connect to http:\/\/127\.0\.0\.1:9 \(is the server running\?\)$/],
      [["history", "--room", "lobby", ...as("zed")], 1, /not_member: you are not a member of #lobby/],
      [["who", "--room", "nowhere", ...as("zed")], 1, /unknown_room/],
      // A misspelled DM is refused like a misspelled room (issue 12, defect 4).
      [["send", "--to", "typo-user-xyz", ...as("eve"), "x"], 1, /^hubbub: error: unknown_user: /],
    ];
    for (const [args, code, message] of cases) {
      const r = await run(args);
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(oneLine(r.err)).toBe(true);
      expect(r.err.trimEnd()).toMatch(message);
      expect(r.out).toBe("");
    }
    const json = await run(["send", "--room", "nowhere", "--json", ...as("eve"), "x"]);
    expect(JSON.parse(json.err)).toMatchObject({ type: "error", code: "unknown_room" });
    // A mistyped server leaves no state file behind.
    expect(existsSync(join(config, "hubbub", "eve@127.0.0.1_9.json"))).toBe(false);
  }, 30_000);

  test("--help on every command", async () => {
    for (const command of ["chat", "send", "edit", "delete", "tail", "history", "search", "rooms", "who", "join", "leave", "invite", "uninvite", "kick", "ban", "unban"]) {
      const r = await run([command, "--help"]);
      expect(r).toMatchObject({ code: 0, err: "" });
      expect(r.out).toStartWith(`Usage: hubbub ${command}`);
    }
    expect((await run(["--help"])).out).toContain("Commands:");
  }, 20_000);

  test("tail prints exactly the missed messages once per run, whatever else used the state file", async () => {
    const first = await run(["tail", "--room", "news", "--join", ...as("amy")]);
    expect(first).toMatchObject({ code: 0, out: expect.stringContaining("→ amy joined") });
    expect(first.err).toContain("starting from now");
    await run(["join", "news", ...as("bob")]);
    for (const t of ["one", "two", "three"]) await run(["send", "--room", "news", ...as("bob"), t]);
    // Same state file in between: a send of amy's own and a tail of another room swallow nothing.
    expect((await run(["send", "--room", "lobby", "--join", ...as("amy"), "amy in the lobby"])).code).toBe(0);
    expect((await run(["tail", "--room", "lobby", ...as("amy")])).code).toBe(0);
    const second = await run(["tail", "--room", "news", ...as("amy")]);
    expect(messages(second.out)).toEqual(["bob: one", "bob: two", "bob: three"]);
    expect((await run(["tail", "--room", "news", ...as("amy")])).out).toBe("");
    for (const t of ["four", "five", "six"]) await run(["send", "--room", "news", ...as("bob"), t]);
    const counted = await run(["tail", "--room", "news", "--count", "2", "--json", ...as("amy")]);
    expect(counted.out.trim().split("\n").map((l) => JSON.parse(l).body.text)).toEqual(["four", "five"]);
    expect(messages((await run(["tail", "--room", "news", ...as("amy")])).out)).toEqual(["bob: six"]);
  }, 40_000);

  /** The newest connection's id on the server. */
  const lastConnection = () => Math.max(0, ...[...server.hub.connections].map((c) => (c as unknown as { id: number }).id));
  /**
   * Resolves once a connection of `user` newer than `since` is live on the server (replay done,
   * `synced` sent). The phase is the connection actor's own (private) state, read here because no
   * frame tells another client that a one-shot command is connected.
   */
  async function liveOnServer(user: string, since: number, timeoutMs = 8000): Promise<void> {
    const live = () => [...server.hub.connections].some((c) => {
      const x = c as unknown as { id: number; user: string; phase: string };
      return x.id > since && x.user === user && x.phase === "live";
    });
    for (const deadline = Date.now() + timeoutMs; !live();) {
      if (Date.now() > deadline) throw new Error(`no live connection of ${user} in time`);
      await Bun.sleep(10); // the poll interval of an event-or-deadline wait
    }
  }

  test("tail --count waits for live messages, and --follow prints live ones until Ctrl-C", async () => {
    const bob = await TestClient.connect(server.url, "bob", { device: "tester" });
    let since = lastConnection();
    const waiting = run(["tail", "--room", "news", "--count", "1", ...as("amy")]);
    await liveOnServer("amy", since); // sent from now on, a message can only reach it live
    await bob.request({ type: "send", to: { room: "news" }, cmid: "live-1", text: "seven" });
    expect(messages((await waiting).out)).toEqual(["bob: seven"]);

    since = lastConnection();
    const follow = new CliProcess(["tail", "--room", "news", "--follow", ...as("amy")], config);
    try {
      await liveOnServer("amy", since); // connected and caught up (nothing missed)
      for (const [i, t] of ["eight", "nine"].entries()) await bob.request({ type: "send", to: { room: "news" }, cmid: `live-f${i}`, text: t });
      await follow.waitFor("bob: nine");
      follow.proc.kill("SIGINT");
      expect(await follow.exited).toBe(0);
    } finally {
      follow.kill();
    }
    expect(messages(follow.out)).toEqual(["bob: eight", "bob: nine"]);
    await bob.request({ type: "send", to: { room: "news" }, cmid: "live-after", text: "ten" });
    expect(messages((await run(["tail", "--room", "news", ...as("amy")])).out)).toEqual(["bob: ten"]);
    bob.close();
  }, 30_000);

  test("history pages back as far as --limit asks, oldest first", async () => {
    const pat = await TestClient.connect(server.url, "pat");
    await pat.request({ type: "join", room: "big" });
    for (let i = 1; i <= 520; i++) pat.send({ type: "send", id: i, to: { room: "big" }, cmid: `b${i}`, text: `m${i}` });
    await pat.waitFor((f) => f.type === "ack" && f.id === 520, 10_000);
    const h = await run(["history", "--room", "big", "--limit", "510", ...as("pat")]);
    const lines = h.out.trim().split("\n");
    expect(lines).toHaveLength(510);
    expect(lines[0]).toEndWith("pat: m11");
    expect(lines.at(-1)).toEndWith("pat: m520");
    // A slow reader (a pager) still gets every line: over 64 KB waits in the pipe at exit.
    const slow = await cliSlowReader(["history", "--room", "big", "--limit", "520", "--json", ...as("pat")], config, 1000);
    expect(slow.length).toBeGreaterThan(70_000);
    expect(slow.trim().split("\n")).toHaveLength(520);
    const small = await run(["history", "--room", "lobby", "--limit", "2", "--json", ...as("bob")]);
    const head = server.hub.log.head("room:lobby");
    expect(small.out.trim().split("\n").map((l) => JSON.parse(l).seq)).toEqual([head - 1, head]);
    pat.close();
  }, 30_000);

  test("history into a reader that stops early (| head) ends quietly: exit 0, no EPIPE trace, text and --json", async () => {
    const pat = await TestClient.connect(server.url, "pat");
    await pat.request({ type: "join", room: "long" });
    // 300 KB of output: far more than a pipe holds, so the CLI is still writing when head exits.
    for (let i = 1; i <= 300; i++) pat.send({ type: "send", id: i, to: { room: "long" }, cmid: `l${i}`, text: `${i} ${"x".repeat(1000)}` });
    await pat.waitFor((f) => f.type === "ack" && f.id === 300, 10_000);
    pat.close();
    for (const json of [[], ["--json"]]) {
      const r = await cliIntoHead(["history", "--room", "long", "--limit", "300", ...json, ...as("pat")], config);
      expect({ json, code: r.code, err: r.err }).toEqual({ json, code: 0, err: "" });
      expect(r.out.split("\n")).toHaveLength(2); // head's one line
      expect(r.out).toContain(`1 ${"x".repeat(1000)}`);
    }
    // tail, printing a long replay of what it missed from an event listener, too.
    expect((await run(["tail", "--room", "long", ...as("pat", "pat-tail")])).code).toBe(0);
    const more = await TestClient.connect(server.url, "pat");
    for (let i = 1; i <= 300; i++) more.send({ type: "send", id: i, to: { room: "long" }, cmid: `t${i}`, text: `t${i} ${"y".repeat(1000)}` });
    await more.waitFor((f) => f.type === "ack" && f.id === 300, 10_000);
    more.close();
    const t = await cliIntoHead(["tail", "--room", "long", ...as("pat", "pat-tail")], config);
    expect({ code: t.code, err: t.err }).toEqual({ code: 0, err: "" });
    expect(t.out).toContain(`t1 ${"y".repeat(1000)}`);
  }, 30_000);

  test("rooms lists every room and marks mine; who lists devices with their client kind", async () => {
    const r = await run(["rooms", ...as("bob")]);
    const head = server.hub.log.head("room:lobby");
    expect(r.out).toMatch(new RegExp(`^\\* #lobby +3 members +${head} events  \\(owner\\)$`, "m")); // bob made it
    expect(r.out).toMatch(/^ {2}#big /m);
    const rj = await run(["rooms", "--json", ...as("bob")]);
    expect(rj.out.trim().split("\n").map((l) => JSON.parse(l))).toContainEqual({ type: "room", room: "lobby", members: 3, head, member: true, role: "owner" });
    const watcher = await TestClient.connect(server.url, "watcher", { device: "w1" });
    await watcher.request({ type: "join", room: "lobby" });
    expect((await run(["who", "--room", "lobby", ...as("bob")])).out).toContain("watcher (cli, w1)");
    watcher.close();
  }, 20_000);

  test("leave, then join again", async () => {
    expect(await run(["leave", "lobby", ...as("eve")])).toMatchObject({ code: 0, out: "left #lobby\n" });
    expect((await run(["send", "--room", "lobby", ...as("eve"), "x"])).err).toContain("not_member");
    expect(await run(["join", "--room", "lobby", ...as("eve")])).toMatchObject({ code: 0, out: "joined #lobby\n" });
  }, 20_000);

  test("send reads the text from stdin when none is given: all of it as one message, or one per line with --lines", async () => {
    const one = await run(["send", "--room", "lobby", ...as("bob")], "hello from a pipe\n");
    expect(one).toMatchObject({ code: 0, err: "" });
    const seq = Number(/^sent room:lobby #(\d+)\n$/.exec(one.out)?.[1]);
    expect(server.hub.log.get("room:lobby", seq)?.body.text).toBe("hello from a pipe");
    const multi = await run(["send", "--room", "lobby", ...as("bob")], "a poem\nin two lines\n");
    expect(server.hub.log.get("room:lobby", seq + 1)?.body.text).toBe("a poem\nin two lines");
    expect(multi.code).toBe(0);

    const lines = await run(["send", "--room", "lobby", "--lines", "--json", ...as("bob")], "first\n\nsecond\r\nthird");
    expect(lines).toMatchObject({ code: 0, err: "" });
    const acks = lines.out.trim().split("\n").map((l) => JSON.parse(l));
    expect(acks.map((a) => [a.seq, a.line])).toEqual([[seq + 2, 1], [seq + 3, 3], [seq + 4, 4]]);
    const events = [seq + 2, seq + 3, seq + 4].map((n) => server.hub.log.get("room:lobby", n)!);
    expect(events.map((e) => e.body.text)).toEqual(["first", "second", "third"]);
    expect(new Set(events.map((e) => e.cmid)).size).toBe(3);

    expect(await run(["send", "--room", "lobby", ...as("bob")], "")).toMatchObject({ code: 2, err: "hubbub: usage: nothing to send: stdin was empty\n" });
    expect((await run(["send", "--room", "lobby", "--lines", ...as("bob")], "\n\n")).code).toBe(2);
  }, 30_000);

  test("send --lines: a line the server refuses is reported and the rest still go (exit 1); not being a member stops at once", async () => {
    const head = server.hub.log.head("room:lobby");
    const r = await run(["send", "--room", "lobby", "--lines", ...as("bob")], `ok 1\n${"x".repeat(4001)}\nok 3\n`);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`sent room:lobby #${head + 1}\nsent room:lobby #${head + 2}\n`);
    expect(r.err).toMatch(/^hubbub: error: too_large: line 2: .*\nhubbub: error: not_sent: 1 of 3 lines not sent \(line 2\)\n$/);
    const outsider = await run(["send", "--room", "lobby", "--lines", ...as("nobody")], "a\nb\n");
    expect(outsider).toMatchObject({ code: 1, out: "" });
    expect(outsider.err).toStartWith("hubbub: error: not_member: line 1: ");
    expect(server.hub.log.head("room:lobby")).toBe(head + 2);
  }, 30_000);

  test("send with no TEXT at a terminal is a usage error at once (it does not wait for typing, nor connect)", async () => {
    // Port 9: nothing listens there, so a connection attempt would fail with exit 1, not 2.
    for (const lines of [[], ["--lines"]]) {
      const r = await cliOnTerminal(["send", "--room", "lobby", "--url", "http://127.0.0.1:9", "--user", "bob", ...lines], config);
      expect({ lines, code: r.code }).toEqual({ lines, code: 2 });
      expect(r.out).toContain("hubbub: usage: send needs the text to send");
    }
  }, 30_000);

  test("send --id: a re-run sends nothing twice, one message or many lines", async () => {
    const head = server.hub.log.head("room:lobby");
    const once = ["send", "--room", "lobby", "--id", "release-1.2", ...as("bob"), "released 1.2"];
    expect((await run(once)).out).toBe(`sent room:lobby #${head + 1}\n`);
    expect((await run(once)).out).toBe(`sent room:lobby #${head + 1} (already sent before: nothing new)\n`);
    const batch = ["send", "--room", "lobby", "--lines", "--id", "report-7", ...as("bob")];
    expect((await run(batch, "a\nb\n")).out).toBe(`sent room:lobby #${head + 2}\nsent room:lobby #${head + 3}\n`);
    // Re-run after more lines were added: the first two are recognised, only the new one is sent.
    const again = await run([...batch, "--json"], "a\nb\nc\n");
    expect(again.out.trim().split("\n").map((l) => JSON.parse(l))).toMatchObject([
      { seq: head + 2, duplicate: true, line: 1 }, { seq: head + 3, duplicate: true, line: 2 }, { seq: head + 4, line: 3 },
    ]);
    expect(server.hub.log.head("room:lobby")).toBe(head + 4);
  }, 30_000);

  test("send --lines streams: each line goes out as it is read, before the input ends", async () => {
    const p = new CliProcess(["send", "--room", "lobby", "--lines", ...as("bob")], config);
    try {
      p.write("streamed one");
      await p.waitFor(/sent room:lobby #\d+\n/, 20_000);
      p.write("streamed two");
      await p.waitFor(/(sent room:lobby #\d+\n){2}/, 20_000);
      p.proc.stdin.end();
      expect(await p.exited).toBe(0);
    } finally {
      p.kill();
    }
    const head = server.hub.log.head("room:lobby");
    expect([head - 1, head].map((n) => server.hub.log.get("room:lobby", n)?.body.text)).toEqual(["streamed one", "streamed two"]);
  }, 30_000);

  test("edit and delete my messages by seq, in a room and a DM; others' messages and unknown seqs are refused in one line", async () => {
    const seqOf = (out: string) => Number(/ #(\d+)\n$/.exec(out)?.[1]);
    const sent = seqOf((await run(["send", "--room", "lobby", ...as("bob"), "teh typo"])).out);
    const edited = await run(["edit", "--room", "lobby", String(sent), ...as("bob"), "the typo, fixed"]);
    expect(edited).toEqual({ code: 0, out: `edited room:lobby #${sent} (the edit is #${sent + 1})\n`, err: "" });
    expect(server.hub.log.get("room:lobby", sent + 1)).toMatchObject({ kind: "edit", author: "bob", body: { target: sent, text: "the typo, fixed" } });
    const viaStdin = await run(["edit", "--room", "lobby", String(sent), "--json", ...as("bob")], "fixed again\n");
    expect(JSON.parse(viaStdin.out)).toMatchObject({ type: "edited", stream: "room:lobby", target: sent, seq: sent + 2 });
    expect(server.hub.log.get("room:lobby", sent + 2)?.body).toEqual({ target: sent, text: "fixed again" });
    expect(await run(["delete", "--room", "lobby", String(sent), ...as("bob")])).toMatchObject({ code: 0, out: `deleted room:lobby #${sent} (the deletion is #${sent + 3})\n` });
    // history shows the changes as they happened.
    const h = await run(["history", "--room", "lobby", "--limit", "3", ...as("bob")]);
    expect(h.out).toMatch(new RegExp(`bob edited message ${sent}: the typo, fixed\n.*bob edited message ${sent}: fixed again\n.*bob deleted message ${sent}\n$`));

    const dm = seqOf((await run(["send", "--to", "amy", ...as("bob"), "psst v1"])).out);
    expect((await run(["edit", "--to", "amy", String(dm), ...as("bob"), "psst v2"])).out).toBe(`edited dm:amy:bob #${dm} (the edit is #${dm + 1})\n`);
    expect((await run(["delete", "--to", "amy", String(dm), ...as("bob")])).code).toBe(0);

    const refused: [string[], RegExp][] = [
      [["edit", "--room", "lobby", String(sent), ...as("eve"), "mine now"], /^hubbub: error: not_author: #\d+ in room:lobby is someone else's message/],
      [["delete", "--to", "bob", String(dm), ...as("amy")], /^hubbub: error: not_author: /],
      [["delete", "--room", "lobby", "99999", ...as("bob")], /^hubbub: error: unknown_event: room:lobby has no message #99999/],
      [["edit", "--room", "lobby", String(sent + 1), ...as("bob"), "an edit is not a message"], /^hubbub: error: unknown_event: /],
      [["edit", "--room", "big", "1", ...as("bob"), "x"], /^hubbub: error: not_member: /],
    ];
    for (const [args, message] of refused) {
      const r = await run(args);
      expect({ args, code: r.code, out: r.out }).toEqual({ args, code: 1, out: "" });
      expect(oneLine(r.err)).toBe(true);
      expect(r.err).toMatch(message);
    }
    for (const [args, message] of [
      [["edit", "--room", "lobby", ...as("bob")], /needs the message's seq/],
      [["delete", "--room", "lobby", "x", ...as("bob")], /SEQ must be a whole number/],
      [["delete", "--room", "lobby", "--to", "amy", "1", ...as("bob")], /exactly one of --room R or --to USER/],
      [["delete", "--room", "lobby", "1", "2", ...as("bob")], /delete takes one SEQ/],
    ] as [string[], RegExp][]) {
      const r = await run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toMatch(message);
    }
  }, 60_000);

  test("search prints the matching messages newest first, up to --limit, paging back through the whole room", async () => {
    // "big" holds pat's m1..m520 (the history test).
    const r = await run(["search", "--room", "big", ...as("pat"), "m51"]);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(messages(r.out)).toEqual(["pat: m519", "pat: m518", "pat: m517", "pat: m516", "pat: m515", "pat: m514", "pat: m513", "pat: m512", "pat: m511", "pat: m510", "pat: m51"]);
    const j = await run(["search", "--room", "big", "--limit", "2", "--json", ...as("pat"), "M5"]);
    expect(j.out.trim().split("\n").map((l) => JSON.parse(l)).map((e) => [e.type, e.body.text])).toEqual([["event", "m520"], ["event", "m519"]]);
    const none = await run(["search", "--room", "big", ...as("pat"), "no such words"]);
    expect(none).toEqual({ code: 0, out: "", err: 'hubbub: no message in room:big contains "no such words"\n' });
    const outsider = await run(["search", "--room", "big", ...as("zed"), "m1"]);
    expect(outsider.code).toBe(1);
    expect(outsider.err).toStartWith("hubbub: error: not_member: ");
    expect((await run(["search", "--room", "big", ...as("pat")])).code).toBe(2);

    // A match older than one request's scan (5,000 events) is found by following `next`.
    const deep = await TestClient.connect(server.url, "deep");
    await deep.request({ type: "join", room: "deep" });
    deep.send({ type: "send", id: 0, to: { room: "deep" }, cmid: "needle", text: "the needle at the start" });
    for (let i = 1; i <= 5200; i++) deep.send({ type: "send", id: i, to: { room: "deep" }, cmid: `hay${i}`, text: `hay ${i}` });
    await deep.waitFor((f) => f.type === "ack" && f.id === 5200, 30_000);
    await deep.request({ type: "send", to: { user: "pat" }, cmid: "dm-needle", text: "a needle in a DM" });
    deep.close();
    expect(messages((await run(["search", "--room", "deep", ...as("deep"), "needle"])).out)).toEqual(["deep: the needle at the start"]);
    expect((await run(["search", "--to", "deep", ...as("pat"), "needle"])).out).toMatch(/^\[[^\]]+\] @deep deep: a needle in a DM\n$/);
  }, 60_000);
});

describe("hubbub CLI against a server that requires tokens", () => {
  const secret = "cli-test-secret-at-least-32-bytes-long!";
  let server: RunningServer;
  beforeAll(async () => { server = await start({ jwtSecret: secret }); });
  afterAll(() => server.stop());

  test("a valid token works and names the state file; a bad one is refused in one line", async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("tina").setExpirationTime("5m").sign(new TextEncoder().encode(secret));
    const ok = await run(["join", "tokens", "--url", server.url, "--token", token]);
    expect(ok).toMatchObject({ code: 0, out: "joined #tokens\n" });
    expect(existsSync(join(config, "hubbub", `tina@127.0.0.1_${server.port}.json`))).toBe(true);
    const bad = await run(["rooms", "--url", server.url, "--token", "not.a.jwt"]);
    expect(bad.code).toBe(1);
    expect(oneLine(bad.err)).toBe(true);
    expect(bad.err).toStartWith("hubbub: error: unauthorized:");
  }, 20_000);
});

test("tail says so when the server no longer keeps part of what it missed (--retain)", async () => {
  const server = await start({ retain: 10 });
  try {
    const amy = ["--url", server.url, "--user", "amy", "--state", join(config, "amy-retain.json")];
    expect((await run(["tail", "--room", "kept", "--join", ...amy])).code).toBe(0);
    const pat = await TestClient.connect(server.url, "pat");
    await pat.request({ type: "join", room: "kept" });
    for (let i = 1; i <= 1000; i++) pat.send({ type: "send", id: i, to: { room: "kept" }, cmid: `k${i}`, text: `k${i}` });
    await pat.waitFor((f) => f.type === "ack" && f.id === 1000, 15_000);
    pat.close();
    const r = await run(["tail", "--room", "kept", ...amy]);
    expect(r.err).toMatch(/^hubbub: events 2-\d+ of #kept are no longer kept by the server$/m);
    expect(messages(r.out).at(-1)).toBe("pat: k1000");
    expect(messages(r.out).length).toBeLessThan(1000);
  } finally {
    server.stop();
  }
}, 30_000);

test("a state file from a server whose log was replaced (new epoch) starts fresh instead of failing", async () => {
  const state = join(config, "amy-epoch.json");
  const first = await start();
  const second = await start();
  try {
    expect((await run(["join", "old", "--url", first.url, "--user", "amy", "--state", state])).code).toBe(0);
    const r = await run(["rooms", "--url", second.url, "--user", "amy", "--state", state]);
    expect(r).toEqual({ code: 0, out: "no rooms yet: hubbub join NAME creates one\n", err: "" });
    expect((await run(["tail", "--room", "fresh", "--join", "--url", second.url, "--user", "amy", "--state", state])).code).toBe(0);
  } finally {
    first.stop();
    second.stop();
  }
}, 20_000);

/** The `author: text` part of each message line. */
function messages(out: string): string[] {
  return out.split("\n").map((l) => /^\[[^\]]+\] #\S+ (\S+: .*)$/.exec(l)?.[1]).filter((m): m is string => m !== undefined);
}
