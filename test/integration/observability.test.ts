/**
 * Logs and metrics of a real server process: NDJSON with levels on stdout after the banner,
 * opened connections counted and close lines with their close codes, /metrics in the Prometheus text format
 * behind its token, and nothing secret (message text, tokens) anywhere in the output.
 */
import { expect, test } from "bun:test";
import { SignJWT } from "jose";
import type { AckFrame } from "../../src/protocol/index.ts";
import { TestClient, tempDb } from "./harness.ts";
import { spawnServer } from "./process.ts";

const SECRET = "observability-test-jwt-secret-32-bytes";
const METRICS_TOKEN = "scrape-me-please";
const jwt = (sub: string, key = SECRET) =>
  new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setExpirationTime("5m").sign(new TextEncoder().encode(key));

interface LogLine { level: string; msg: string; event?: string; code?: number; cause?: string; time: string; [k: string]: unknown }

test("a real server logs NDJSON after its banner, serves /metrics behind its token, and never writes message text or tokens", async () => {
  const server = await spawnServer(["--port", "0", "--db", tempDb(), "--jwt-secret", SECRET, "--metrics-token", METRICS_TOKEN, "--log-format", "json"]);
  try {
    const goodToken = await jwt("alice");
    const badToken = await jwt("mallory", "not-the-server-secret");
    const text = "the-words-of-a-private-message-4711";

    const alice = await TestClient.open(server.url);
    alice.send({ type: "hello", token: goodToken, device: "d1", client: "cli" });
    await alice.waitFor((f) => f.type === "synced");
    await alice.request({ type: "join", room: "ops" });
    const ack = (await alice.request({ type: "send", to: { room: "ops" }, cmid: "c-1", text })) as AckFrame;
    expect(ack.type).toBe("ack");
    expect((await alice.request({ type: "leave", room: "nowhere" })).type).toBe("error");

    const mallory = await TestClient.open(server.url);
    mallory.send({ type: "hello", token: badToken, device: "d1", client: "web" });
    expect((await mallory.waitClosed()).code).toBe(4001);

    // /metrics: refused without the token (or with a wrong one), the exposition format with it.
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const body = await res.text();
    for (const line of [
      'hubbub_frames_in_total{type="send"} 1',
      'hubbub_frames_in_total{type="hello"} 2',
      'hubbub_events_appended_total{kind="message"} 1',
      'hubbub_hellos_total{outcome="ok"} 1',
      'hubbub_hellos_total{outcome="unauthorized"} 1',
      'hubbub_errors_total{code="unknown_room"} 1',
      'hubbub_errors_total{code="unauthorized"} 1',
      'hubbub_connection_closes_total{code="4001"} 1',
      'hubbub_connections{encoding="json",client="cli"} 1',
      'hubbub_connections_opened_total{encoding="json"} 2',
    ]) expect(body).toContain(line);
    for (const name of ["hubbub_ack_latency_seconds_bucket", "hubbub_commit_duration_seconds_count", "hubbub_commit_batch_events_sum",
      "hubbub_commits_total", "hubbub_fanout_deliveries_total", "hubbub_process_resident_memory_bytes", "hubbub_event_loop_lag_seconds",
      "hubbub_mailbox_queued", "hubbub_resume_duration_seconds_count"]) {
      expect(body).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? [0-9.e+-]+$`, "m"));
    }
    // Every exposition line is a comment, blank, or `name{labels} value`.
    for (const l of body.split("\n")) expect(l).toMatch(/^(#.*|[a-z_:][a-z0-9_:]*(\{.*\})? \S+)?$/);

    alice.close();
    await server.waitForLine(/"event":"conn.close".*"code":1000/);
    server.proc.kill("SIGTERM");
    expect(await server.proc.exited).toBe(0);
    await server.waitForLine(/"event":"server.stopped"/);

    const out = server.out();
    const [banner, ...rest] = out.split("\n").filter(Boolean);
    expect(banner).toBe(server.firstLine);
    const log: LogLine[] = rest.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    // After the plain banner lines, every line is one JSON object with a level, a time and a message.
    expect(rest.filter((l) => !l.startsWith("{")).every((l) => /^(data|web client|warning): /.test(l))).toBe(true);
    for (const e of log) {
      expect(["debug", "info", "warn", "error", "fatal"]).toContain(e.level);
      expect(typeof e.msg).toBe("string");
      expect(new Date(e.time).toISOString()).toBe(e.time);
    }
    const events = log.map((e) => e.event);
    for (const ev of ["server.started", "conn.opened", "conn.close", "server.stopping", "snapshot.saved", "server.stopped"]) expect(events).toContain(ev);
    // At info, opened connections are counted (once a second, and at shutdown), not a line each.
    expect(events).not.toContain("conn.open");
    expect(log.filter((e) => e.event === "conn.opened").reduce((n, e) => n + Number(e.n), 0)).toBe(2);
    const closes = log.filter((e) => e.event === "conn.close");
    expect(closes.find((e) => e.code === 1000)).toMatchObject({ level: "info", cause: "normal", user: "alice", client: "cli", ip: "127.0.0.1" });
    expect(closes.find((e) => e.code === 4001)).toMatchObject({ level: "warn", cause: "auth_failed" });
    expect(log.find((e) => e.event === "server.started")).toMatchObject({ auth: "jwt", metrics: "on", metricsTokenSet: true });

    // Nothing secret, in either stream.
    const all = out + server.err();
    for (const secret of [text, goodToken, badToken, goodToken.split(".")[2]!, SECRET, METRICS_TOKEN]) expect(all).not.toContain(secret);
  } finally {
    server.proc.kill("SIGKILL");
  }
}, 60_000);

test("--log-level warn keeps connection lines out; --metrics off answers /metrics with 404", async () => {
  const server = await spawnServer(["--port", "0", "--db", tempDb(), "--log-level", "warn", "--metrics", "off", "--log-format", "json"]);
  try {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    const c = await TestClient.connect(server.url, "bob");
    c.send({ type: "hello", user: "bob", device: "d1", client: "cli" }); // a second hello: an error, not a log line
    await c.waitFor((f) => f.type === "error");
    // A flood close is a warning: it must show, and the info lines before it must not.
    c.ws.close(4101, "test");
    await server.waitForLine(/"event":"conn.close".*"code":4101/);
    const lines = server.out().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as LogLine);
    expect(lines.every((l) => l.level === "warn" || l.level === "error")).toBe(true);
    expect(lines.some((l) => l.event === "conn.open")).toBe(false);
  } finally {
    server.proc.kill("SIGKILL");
  }
}, 60_000);
