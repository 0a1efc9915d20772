/** `hubbub chat` driven through stdin like a person at a terminal, against real servers. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RunningServer } from "../../src/server/start.ts";
import { CliProcess, cli, tempDir } from "./cli-process.ts";
import { TestClient, start, tempDb } from "./harness.ts";
import { spawnServer } from "./process.ts";

const config = tempDir();
/** Per wait: generous, for a loaded machine starting several processes. */
const WAIT = 20_000;

describe("hubbub chat", () => {
  let server: RunningServer;
  let as: (user: string) => string[];
  beforeAll(async () => {
    server = await start();
    as = (user) => ["--url", server.url, "--user", user, "--state", join(config, `${user}.json`)];
  });
  afterAll(() => server.stop());

  test("/join, a plain line, /dm, /who, /history, live messages from others, /leave and /quit", async () => {
    const pia = await TestClient.connect(server.url, "pia", { device: "pia-web" });
    await pia.request({ type: "join", room: "talk" });
    const chat = new CliProcess(["chat", ...as("carl")], config);
    try {
      await chat.waitFor("connected to");
      chat.write("/join talk");
      await chat.waitFor("* you are in #talk");
      chat.write("hello from the terminal");
      const msg = await pia.waitFor((f) => f.type === "event" && f.stream === "room:talk" && f.kind === "message");
      expect(msg).toMatchObject({ author: "carl", body: { text: "hello from the terminal" } });
      await chat.waitFor("#talk carl: hello from the terminal"); // own message, shown once stored
      chat.write("/dm pia psst");
      expect(await pia.waitFor((f) => f.type === "event" && f.stream === "dm:carl:pia")).toMatchObject({ body: { text: "psst" } });
      await chat.waitFor("@pia carl: psst");
      await pia.request({ type: "send", to: { room: "talk" }, cmid: "p1", text: "hi carl" });
      await chat.waitFor("#talk pia: hi carl");
      chat.write("/who");
      await chat.waitFor(/online in #talk: .*pia \(cli, pia-web\)/);
      const before = chat.out.length;
      chat.write("/history 2");
      await chat.waitFor(/carl: hello from the terminal\n.*pia: hi carl\n/, 8000, before);
      chat.write("/bogus");
      await chat.waitFor("* unknown command /bogus");
      chat.write("/leave");
      await chat.waitFor("* you left #talk");
      chat.write("not sent anywhere");
      await chat.waitFor("no current room");
      chat.write("/quit");
      expect(await chat.exited).toBe(0);
    } finally {
      chat.kill();
    }
    expect(chat.err).toBe("");
    expect(server.hub.log.head("room:talk")).toBe(5); // pia joined, carl joined, 2 messages, carl left
    pia.close();
  }, 30_000);

  test("starts in --room (joining it), shows what was missed since the last run, and quits at the end of input", async () => {
    const first = await cli(["chat", "--room", "den", ...as("dora")], config, "first visit\n");
    expect(first.code).toBe(0);
    expect(first.out).toContain("* you are in #den");
    expect(first.out).toContain("#den dora: first visit");
    const ed = await TestClient.connect(server.url, "ed");
    await ed.request({ type: "join", room: "den" });
    for (let i = 1; i <= 25; i++) ed.send({ type: "send", id: i, to: { room: "den" }, cmid: `e${i}`, text: `while away ${i}` });
    await ed.waitFor((f) => f.type === "ack" && f.id === 25);
    ed.close();
    const second = await cli(["chat", "--room", "den", ...as("dora")], config, "");
    expect(second.out).toContain("* 6 earlier missed in #den not shown (/history)"); // ed's join + 25 messages, 20 shown
    expect(second.out).toContain("ed: while away 6\n");
    expect(second.out).not.toContain("ed: while away 5\n");
    expect(second.out).toContain("ed: while away 25\n");
    // What chat showed counts as seen for tail too (same state file).
    expect((await cli(["tail", "--room", "den", ...as("dora")], config)).out).toBe("");
  }, 30_000);

  test("one-shot commands are not announced; chat shows a person coming online once, whatever their rooms", async () => {
    const watcher = await TestClient.connect(server.url, "wes", { device: "w" });
    for (const room of ["p1", "p2"]) {
      await watcher.request({ type: "join", room });
      expect((await cli(["join", room, ...as("pam")], config)).code).toBe(0);
    }
    const amy = new CliProcess(["chat", "--room", "p1", ...as("amy")], config);
    try {
      await amy.waitFor("* you are in #p1", WAIT);
      await amy.waitFor("* wes is online", WAIT);
      // pam sends from a one-shot command: her message arrives, her presence never does.
      expect((await cli(["send", "--room", "p1", ...as("pam"), "from a script"], config)).code).toBe(0);
      expect((await cli(["history", "--room", "p2", ...as("pam")], config)).code).toBe(0);
      await amy.waitFor("#p1 pam: from a script", WAIT);
      // pam opens a chat: present in p1 and p2, one line for both; she quits: one line.
      const pam = new CliProcess(["chat", ...as("pam")], config);
      try {
        await amy.waitFor("* pam is online", WAIT);
        pam.write("/quit");
        expect(await pam.exited).toBe(0);
      } finally {
        pam.kill();
      }
      await amy.waitFor("* pam went offline", WAIT);
      amy.write("/quit");
      expect(await amy.exited).toBe(0);
    } finally {
      amy.kill();
    }
    expect(amy.out.match(/pam is online/g)).toHaveLength(1);
    expect(amy.out.match(/pam went offline/g)).toHaveLength(1);
    expect(amy.out).not.toMatch(/is online in #|went offline in #/);
    // The raw watcher saw pam's chat device, and nothing of her one-shot commands.
    const pamJoined = watcher.frames.flatMap((f) => (f.type === "presence" && f.joined?.some((e) => e.user === "pam") ? [f.room] : []));
    expect(pamJoined.sort()).toEqual(["p1", "p2"]); // from the chat only
    watcher.close();
  }, 60_000);

  test("/edit and /delete change my last message in the current room, shown to me and to others", async () => {
    const pia = await TestClient.connect(server.url, "pia", { device: "pia-web" });
    await pia.request({ type: "join", room: "fix" });
    const chat = new CliProcess(["chat", "--room", "fix", ...as("carl")], config);
    try {
      await chat.waitFor("* you are in #fix", WAIT);
      chat.write("/edit too early");
      await chat.waitFor("* no message of yours in the last 200 events of #fix", WAIT);
      chat.write("frist post");
      await chat.waitFor("#fix carl: frist post", WAIT);
      const mine = (await pia.waitFor((f) => f.type === "event" && f.stream === "room:fix" && f.kind === "message" && f.author === "carl", WAIT)) as { seq: number };
      await pia.request({ type: "send", to: { room: "fix" }, cmid: "pia-1", text: "pia in between" });
      await chat.waitFor("#fix pia: pia in between", WAIT);
      chat.write("/edit first post");
      await chat.waitFor(`#fix carl edited message ${mine.seq}: first post`, WAIT);
      expect(await pia.waitFor((f) => f.type === "event" && f.kind === "edit", WAIT)).toMatchObject({ author: "carl", body: { target: mine.seq, text: "first post" } });
      chat.write("/search FIRST");
      await chat.waitFor(/\* 1 message\(s\) in #fix contain "FIRST", newest first:\n.*#fix carl: first post\n/, WAIT);
      chat.write("/delete");
      await chat.waitFor(`#fix carl deleted message ${mine.seq}`, WAIT);
      chat.write("/search first");
      await chat.waitFor('* no message in #fix contains "first"', WAIT);
      chat.write("/delete");
      await chat.waitFor("* no message of yours in the last 200 events of #fix", WAIT, chat.out.indexOf("deleted message"));
      chat.write("/quit");
      expect(await chat.exited).toBe(0);
    } finally {
      chat.kill();
    }
    expect(server.hub.log.get("room:fix", 4)).toMatchObject({ kind: "message", author: "pia" }); // pia's message untouched
    pia.close();
  }, 60_000);

  test("--json: every line is an object with a type", async () => {
    const r = await cli(["chat", "--room", "den", "--json", ...as("dora")], config, "/who\nin json\n");
    const objects = r.out.trim().split("\n").map((l) => JSON.parse(l) as { type: string });
    expect(objects.map((o) => o.type)).toContain("notice");
    expect(objects).toContainEqual(expect.objectContaining({ type: "event", author: "dora", body: { text: "in json" } }));
    expect(objects).toContainEqual(expect.objectContaining({ type: "online", user: "dora", room: "den" }));
  }, 20_000);
});

test("chat shows the connection dropping and coming back, and sends what was typed meanwhile", async () => {
  const db = tempDb();
  let server = await spawnServer(["--port", "0", "--db", db]);
  const chat = new CliProcess(["chat", "--room", "r", "--url", server.url, "--user", "carl", "--state", join(config, "carl-restart.json")], config);
  try {
    await chat.waitFor("* you are in #r");
    server.proc.kill();
    await server.proc.exited;
    await chat.waitFor(/\* connection lost \(\d+[^)]*\); reconnecting in [\d.]+ s \(attempt 1\)/);
    chat.write("typed while the server was down");
    await chat.waitFor("* not connected: queued, sent once reconnected");
    server = await spawnServer(["--port", String(server.port), "--db", db]);
    await chat.waitFor("* reconnected; caught up", 15_000);
    await chat.waitFor("#r carl: typed while the server was down");
    chat.write("/quit");
    expect(await chat.exited).toBe(0);
  } finally {
    chat.kill();
    server.proc.kill();
  }
}, 40_000);

test("Ctrl-C while the server is down keeps the unsent line in the state file; the next run sends it once", async () => {
  const db = tempDb();
  let server = await spawnServer(["--port", "0", "--db", db]);
  const state = join(config, "carl-outbox.json");
  const args = (...a: string[]) => [...a, "--url", server.url, "--user", "carl", "--state", state];
  const chat = new CliProcess(args("chat", "--room", "q"), config);
  try {
    await chat.waitFor("* you are in #q");
    server.proc.kill();
    await server.proc.exited;
    await chat.waitFor("* connection lost");
    chat.write("queued in the outbox");
    await chat.waitFor("queued, sent once reconnected");
    chat.proc.kill("SIGINT");
    expect(await chat.exited).toBe(0);
    expect(chat.out).toContain("* 1 message(s) not acknowledged yet: kept in");
    expect(chat.err).toBe("");
  } finally {
    chat.kill();
  }
  server = await spawnServer(["--port", String(server.port), "--db", db]);
  try {
    expect((await cli(args("rooms"), config)).code).toBe(0); // any command flushes the outbox
    expect(JSON.parse(readFileSync(state, "utf8")).outbox).toEqual([]);
    const h = await cli(args("history", "--room", "q"), config);
    expect(h.out.split("\n").filter((l) => l.endsWith("carl: queued in the outbox"))).toHaveLength(1);
  } finally {
    server.proc.kill();
  }
}, 40_000);
