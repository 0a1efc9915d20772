import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunningServer } from "../../src/server/start.ts";
import { TestClient, start } from "./harness.ts";

const root = new URL("../..", import.meta.url).pathname;
const stateDir = mkdtempSync(join(tmpdir(), "hubbub-cli-"));

async function cli(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn([process.execPath, "run", "src/cli/main.ts", ...args], {
    cwd: root, stdin: stdin === undefined ? "ignore" : new Blob([stdin]), stdout: "pipe", stderr: "pipe",
    env: { ...process.env, XDG_CONFIG_HOME: stateDir },
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

describe("hubbub CLI", () => {
  let server: RunningServer;
  let u: string[];
  const as = (user: string) => [...u, "--user", user, "--state", join(stateDir, `${user}.json`)];
  beforeAll(async () => { server = await start(); u = ["--url", server.url]; });
  afterAll(() => server.stop());

  test("send waits for the durable ack and prints stream and seq; --json prints one object", async () => {
    expect((await cli(["join", "lobby", ...as("bob")])).code).toBe(0);
    const r = await cli(["send", "--room", "lobby", ...as("bob"), "hello", "there"]);
    expect(r).toMatchObject({ code: 0, out: "sent room:lobby #2\n" });
    const j = await cli(["send", "--room", "lobby", "--json", ...as("bob"), "again"]);
    expect(JSON.parse(j.out)).toMatchObject({ stream: "room:lobby", seq: 3 });
    expect(server.hub.log.get("room:lobby", 2)?.body.text).toBe("hello there");
  }, 20_000);

  test("user mistakes are one line on stderr and a non-zero exit", async () => {
    const notMember = await cli(["send", "--room", "lobby", ...as("eve"), "hi"]);
    expect(notMember.code).toBe(1);
    expect(notMember.err.trim().split("\n")).toHaveLength(1);
    expect(notMember.err).toContain("not a member of #lobby");
    const badFlag = await cli(["send", "--nope", ...as("eve")]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.err.trim().split("\n")).toHaveLength(1);
    const badRoom = await cli(["send", "--room", "no spaces", ...as("eve"), "x"]);
    expect(badRoom.code).toBe(2);
    const down = await cli(["rooms", "--url", "http://127.0.0.1:9", "--user", "eve"]);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/^hubbub: error: cannot connect to http:\/\/127\.0\.0\.1:9/);
    expect(down.err.trim().split("\n")).toHaveLength(1);
    expect((await cli(["tail", "--help"])).out).toContain("Usage: hubbub tail");
  }, 20_000);

  test("tail prints exactly the missed messages once per run, and --count stops after N", async () => {
    const first = await cli(["tail", "--room", "news", "--join", ...as("amy")]);
    expect(first.code).toBe(0);
    await cli(["join", "news", ...as("bob")]);
    for (const t of ["one", "two", "three"]) await cli(["send", "--room", "news", ...as("bob"), t]);
    const second = await cli(["tail", "--room", "news", ...as("amy")]);
    expect(second.out.split("\n").filter((l) => l.includes("bob: "))).toEqual([
      expect.stringContaining("bob: one"), expect.stringContaining("bob: two"), expect.stringContaining("bob: three"),
    ]);
    const third = await cli(["tail", "--room", "news", ...as("amy")]);
    expect(third.out).not.toContain("bob:");
    for (const t of ["four", "five", "six"]) await cli(["send", "--room", "news", ...as("bob"), t]);
    const counted = await cli(["tail", "--room", "news", "--count", "2", "--json", ...as("amy")]);
    expect(counted.out.trim().split("\n").map((l) => JSON.parse(l).body.text)).toEqual(["four", "five"]);
    const rest = await cli(["tail", "--room", "news", ...as("amy")]);
    expect(rest.out.split("\n").filter((l) => l.includes("bob: "))).toEqual([expect.stringContaining("bob: six")]);
  }, 40_000);

  test("history, rooms and who", async () => {
    const h = await cli(["history", "--room", "lobby", "--limit", "2", ...as("bob")]);
    expect(h.out).toContain("bob: again");
    const r = await cli(["rooms", "--json", ...as("bob")]);
    expect(r.out.trim().split("\n").map((l) => JSON.parse(l).room)).toContain("lobby");
    const watcher = await TestClient.connect(server.url, "watcher");
    await watcher.request({ type: "join", room: "lobby" });
    const w = await cli(["who", "--room", "lobby", ...as("bob")]);
    expect(w.out).toContain("watcher (cli, d1)");
    watcher.close();
  }, 20_000);

  test("chat: /join, a plain line, /dm and /quit through stdin", async () => {
    const peer = await TestClient.connect(server.url, "pia");
    await peer.request({ type: "join", room: "talk" });
    const r = await cli(["chat", ...as("carl")], "/join talk\nhello from the terminal\n/dm pia psst\n/quit\n");
    expect(r.code).toBe(0);
    expect(r.out).toContain("you are in #talk");
    const msg = await peer.waitFor((f) => f.type === "event" && f.stream === "room:talk" && f.kind === "message");
    expect(msg).toMatchObject({ author: "carl", body: { text: "hello from the terminal" } });
    const dm = await peer.waitFor((f) => f.type === "event" && f.stream === "dm:carl:pia");
    expect(dm).toMatchObject({ body: { text: "psst" } });
    peer.close();
  }, 20_000);
});
