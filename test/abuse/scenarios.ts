/**
 * Abuse scenarios against a real server process, each with a bystander client on the same
 * server whose ping round trips are timed while the attack runs. Shared by the tests
 * (test/abuse/abuse.test.ts: the bystander stays responsive, memory stays bounded) and the
 * benchmark (bench/abuse.bench.ts: the worst bystander latency per scenario).
 * Attackers use the server's default limits: what is measured is what a default server does.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { USERS_STREAM } from "../../src/projections/projection.ts";
import { openEventLog } from "../../src/store/open-log.ts";
import { nestedArray16Bomb } from "../../src/protocol/arbitraries.ts";
import type { AppendRequest } from "../../src/store/event-log.ts";
import { decode } from "@msgpack/msgpack";
import { TestClient } from "../integration/harness.ts";
import { type ServerProcess, spawnServer } from "../integration/process.ts";
import { rssBytes } from "../security/rss.ts";

export interface Scenario {
  name: string;
  /** Prepares the database before the server starts (optional). */
  seed?(db: string): Promise<void>;
  /** The attack; resolves once the server has answered or closed everything it was sent. */
  attack(url: string): Promise<string>;
}

export interface ScenarioResult {
  name: string;
  /** What the attack saw (counts of answers, refusals, closes). */
  outcome: string;
  /** Bystander ping round trips during the attack, ms. */
  pings: number[];
  maxPingMs: number;
  rssBeforeMb: number;
  rssPeakMb: number;
}

const tempDb = () => join(mkdtempSync(join(tmpdir(), "hubbub-abuse-")), "hubbub.db");
const STEP_MS = 60_000;

/**
 * An attacker's socket that does almost no work per frame: it reads only each frame's type (and
 * an error's code) from the first bytes, never parses the rest. The load generator shares a
 * process (and a CPU) with the bystander, so it must not be what slows the bystander down.
 */
class Raw {
  readonly counts = new Map<string, number>();
  replies = 0;
  closeCode: number | undefined;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.binaryType = "arraybuffer";
    ws.onmessage = (m) => {
      const head = typeof m.data === "string" ? m.data.slice(0, 80) : msgpackHead(m.data as ArrayBuffer);
      const type = /^\{"type":"([a-z_]+)"/.exec(head)?.[1] ?? "?";
      const key = type === "error" ? (/"code":"([a-z_]+)"/.exec(head)?.[1] ?? "error") : type;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      if (/^\{"type":"[a-z_]+","id":/.test(head) && type !== "welcome" && type !== "synced") this.replies += 1;
      this.wake();
    };
    ws.onclose = (e) => { this.closeCode = e.code; this.wake(); };
  }

  /** Opens a socket, or undefined when the server refuses the upgrade (429: too many attempts). */
  static open(url: string, encoding: "json" | "msgpack" = "json"): Promise<Raw | undefined> {
    const ws = new WebSocket(url.replace(/^http/, "ws") + "/ws", [`hubbub.v1.${encoding}`]);
    return new Promise((resolve) => {
      ws.onopen = () => resolve(new Raw(ws));
      ws.onerror = () => resolve(undefined);
    });
  }

  private wake(): void { const w = this.waiters; this.waiters = []; for (const f of w) f(); }

  send(frame: object): void { if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame)); }
  sendRaw(data: string | Uint8Array<ArrayBuffer>): void { if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data); }
  n(type: string): number { return this.counts.get(type) ?? 0; }

  /** Waits until `done()` or the socket closes (or the step's time limit); says whether `done()`. */
  async until(done: () => boolean): Promise<boolean> {
    const deadline = Date.now() + STEP_MS;
    while (!done() && this.closeCode === undefined && Date.now() < deadline) {
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 1000); });
    }
    return done();
  }

  /** hello, then synced (0) or the close code (or -1 when neither came in time). */
  async hello(user: string, device: string, cursors?: Record<string, number>): Promise<number> {
    this.send({ type: "hello", user, device, client: "cli", ...(cursors ? { cursors } : {}) });
    return (await this.until(() => this.n("synced") > 0)) ? 0 : (this.closeCode ?? -1);
  }

  close(): void { this.ws.close(1000); }
}

/** A MessagePack frame's type and error code, shaped like the start of its JSON twin (the attacker reads nothing else). */
function msgpackHead(data: ArrayBuffer): string {
  const f = decode(new Uint8Array(data)) as { type?: unknown; code?: unknown };
  return `{"type":"${String(f.type)}"` + (f.code === undefined ? "" : `,"code":"${String(f.code)}"`);
}

const tally = (xs: (string | number)[]) => Object.entries(xs.reduce<Record<string, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {})).map(([k, v]) => `${k}×${v}`).join(" ");
const summary = (r: Raw, skip = ["event", "presence", "welcome", "synced"]) =>
  [...r.counts].filter(([k]) => !skip.includes(k)).map(([k, v]) => `${k}×${v}`).join(" ") + (r.closeCode ? ` closed ${r.closeCode}` : "");

export const SCENARIOS: Scenario[] = [
  {
    // Issue 8's memory bomb: 64 KB frames of nested array16 headers, each claiming 10,000
    // entries, before hello, on as many sockets as one address may open at once.
    name: "msgpack bomb",
    async attack(url) {
      const socks = await Promise.all(Array.from({ length: 20 }, () => Raw.open(url, "msgpack")));
      const bomb = nestedArray16Bomb(64 * 1024);
      const codes = await Promise.all(socks.map(async (c) => {
        if (!c) return "refused-upgrade";
        c.sendRaw(bomb);
        await c.until(() => c.n("bad_frame") > 0);
        return c.n("bad_frame") > 0 ? "bad_frame" : String(c.closeCode ?? "no answer");
      }));
      for (const c of socks) c?.close();
      return tally(codes);
    },
  },
  {
    name: "history burst",
    async attack(url) {
      const a = (await Raw.open(url))!;
      await a.hello("reader", "d");
      a.send({ type: "join", id: "j", room: "big" });
      const text = "h".repeat(4000);
      for (let i = 0; i < 300; i++) a.send({ type: "send", id: i, to: { room: "big" }, cmid: `c${i}`, text });
      await a.until(() => a.replies >= 301);
      a.counts.clear();
      a.replies = 0;
      // 350 requests of 63 bytes, each asking for 500 events of ~4 KB.
      for (let i = 0; i < 350; i++) a.send({ type: "history", id: i, stream: "room:big", limit: 500 });
      await a.until(() => a.replies >= 350);
      a.close();
      return summary(a);
    },
  },
  {
    name: "device storm",
    async attack(url) {
      const first = (await Raw.open(url))!;
      await first.hello("storm", "d0");
      first.send({ type: "join", id: "j", room: "lobby" });
      await first.until(() => first.replies >= 1);
      const socks = await Promise.all(Array.from({ length: 60 }, () => Raw.open(url)));
      const codes = await Promise.all(socks.map((c, i) => (c ? c.hello("storm", `d${i + 1}`) : Promise.resolve("refused-upgrade"))));
      for (const c of [first, ...socks]) c?.close();
      return tally(codes.map((c) => (c === 0 ? "synced" : String(c))));
    },
  },
  {
    name: "hello with 1,000 rooms",
    async seed(db) {
      const log = await openEventLog({ path: db });
      const at = Date.now();
      const reqs: AppendRequest[] = [{ stream: USERS_STREAM, kind: "registered", author: "hoarder", body: {}, at }];
      for (let i = 0; i < 1000; i++) {
        reqs.push({ stream: `room:r${i}`, kind: "joined", author: "hoarder", body: {}, at });
        reqs.push({ stream: "user:hoarder", kind: "room_joined", author: "hoarder", body: { room: `r${i}` }, at });
      }
      log.append(reqs);
      log.close();
    },
    async attack(url) {
      // As many devices as the user may have, all resuming from nothing at once.
      const socks = await Promise.all(Array.from({ length: 20 }, () => Raw.open(url)));
      const codes = await Promise.all(socks.map((c, i) => (c ? c.hello("hoarder", `h${i}`, {}) : Promise.resolve("refused-upgrade"))));
      for (const c of socks) c?.close();
      return tally(codes.map((c) => (c === 0 ? "synced" : String(c))));
    },
  },
  {
    name: "ping flood",
    async attack(url) {
      const a = (await Raw.open(url))!;
      await a.hello("pinger", "d");
      const frame = JSON.stringify({ type: "ping", id: 1 });
      for (let i = 0; i < 20_000; i++) a.sendRaw(frame);
      await a.until(() => a.replies >= 20_000);
      a.close();
      return summary(a);
    },
  },
  {
    name: "pre-hello flood",
    async attack(url) {
      const socks = await Promise.all(Array.from({ length: 30 }, () => Raw.open(url)));
      const frame = JSON.stringify({ type: "rooms", id: 1 });
      const codes = await Promise.all(socks.map(async (c) => {
        if (!c) return "refused-upgrade";
        for (let i = 0; i < 1000; i++) c.sendRaw(frame);
        await c.until(() => false);
        return String(c.closeCode ?? "open");
      }));
      for (const c of socks) c?.close();
      return tally(codes);
    },
  },
  {
    name: "multi-connection flood",
    async attack(url) {
      const socks: Raw[] = [];
      for (let i = 0; i < 20; i++) {
        const c = await Raw.open(url);
        if (c && (await c.hello("flooder", `f${i}`)) === 0) socks.push(c);
      }
      socks[0]?.send({ type: "join", id: "j", room: "flood" });
      await socks[0]?.until(() => socks[0]!.replies >= 1);
      for (const [i, c] of socks.entries()) for (let j = 0; j < 200; j++) c.send({ type: "send", id: j, to: { room: "flood" }, cmid: `${i}-${j}`, text: "spam" });
      await Promise.all(socks.map((c) => c.until(() => c.replies >= (c === socks[0] ? 201 : 200))));
      const total = new Map<string, number>();
      for (const c of socks) for (const [k, v] of c.counts) if (k === "ack" || k === "rate_limited" || k === "overloaded") total.set(k, (total.get(k) ?? 0) + v);
      const closes = socks.filter((c) => c.closeCode !== undefined).map((c) => c.closeCode!);
      for (const c of socks) c.close();
      return [...total].map(([k, v]) => `${k}×${v}`).join(" ") + (closes.length ? ` closes ${tally(closes)}` : "");
    },
  },
];

/** A bystander pinging every `intervalMs` until stopped; each round trip is awaited before the next. */
export function bystanderPings(c: TestClient, intervalMs = 10): { stop(): Promise<number[]> } {
  const rtts: number[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const t0 = performance.now();
      const id = `bp${i}`;
      c.send({ type: "ping", id });
      await c.waitFor((f) => f.type === "pong" && f.id === id, STEP_MS);
      rtts.push(performance.now() - t0);
      c.frames.length = 0; // the bystander keeps nothing: its memory is not the server's
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return { async stop() { running = false; await loop; return rtts; } };
}

/** Starts a server process with its defaults, runs one scenario with a bystander, and stops it. */
export async function runScenario(s: Scenario, extraArgs: string[] = []): Promise<ScenarioResult> {
  const db = tempDb();
  await s.seed?.(db);
  const server: ServerProcess = await spawnServer(["--port", "0", "--db", db, ...extraArgs]);
  try {
    const bystander = await TestClient.connect(server.url, "bystander");
    await bystander.request({ type: "join", room: "lobby" });
    const rssBefore = rssBytes(server.proc.pid);
    let peak = rssBefore;
    const sampler = setInterval(() => { try { peak = Math.max(peak, rssBytes(server.proc.pid)); } catch { /* exited */ } }, 20);
    const pinger = bystanderPings(bystander);
    let outcome: string;
    try {
      outcome = await s.attack(server.url);
    } finally {
      clearInterval(sampler);
    }
    const pings = await pinger.stop();
    peak = Math.max(peak, rssBytes(server.proc.pid));
    bystander.close();
    return { name: s.name, outcome, pings, maxPingMs: Math.max(...pings), rssBeforeMb: rssBefore / 2 ** 20, rssPeakMb: peak / 2 ** 20 };
  } catch (e) {
    // A failure here is rare and timing-dependent: say what the server printed, so the one CI
    // log that shows it is enough to find the cause.
    const exit = server.proc.exitCode ?? server.proc.signalCode ?? "running";
    throw new Error(`${s.name}: ${e instanceof Error ? e.stack ?? e.message : String(e)}\nserver (${exit}) stderr: ${server.err().slice(-4000)}\nstdout tail: ${server.out().slice(-2000)}`);
  } finally {
    server.proc.kill();
    await server.proc.exited;
  }
}

/** The same bystander on an idle server, for comparison. */
export const IDLE: Scenario = {
  name: "unloaded",
  async attack() {
    await new Promise((r) => setTimeout(r, 1000));
    return "nothing";
  },
};
