/**
 * Adversarial fuzz against a live server process: hostile frames in both encodings, before and
 * after hello, from several connections at once, while two canary users keep talking and a
 * bystander keeps pinging. 10,000 frames by default (CI); HUBBUB_FUZZ_FRAMES=200000 for a long
 * run, HUBBUB_FUZZ_SEED to replay one. Checks: every error and close code is documented, the
 * canaries lose nothing and receive nothing malformed, the server's RSS stays bounded, and it
 * keeps answering (each wait is bounded, generously: no tight timing assertion).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Encoding, ErrorFrame, EventFrame, ServerFrame } from "../../src/protocol/index.ts";
import { type ServerProcess, spawnServer } from "../integration/process.ts";
import { type HostileFrame, type Phase, sampleFrames } from "./fuzz/hostile-frames.ts";
import { CLOSE_CODES, ERROR_CODES, Peer } from "./fuzz/peer.ts";
import { rssBytes } from "./rss.ts";

const FRAMES = Number(process.env.HUBBUB_FUZZ_FRAMES ?? 10_000);
const SEED = Number(process.env.HUBBUB_FUZZ_SEED ?? 20261202);
const MAX_PAYLOAD = 64 * 1024;
/** "The server still answers": every reply, ack and pong must come within this. Generous on purpose (a loaded CI machine). */
const ANSWER_MS = 15_000;
/** RSS may grow by at most this over the run (sockets, rooms and users the fuzz creates included). */
const RSS_GROWTH_BOUND = 256 * 1024 * 1024;
const ROOM = "canary-room";

let server: ServerProcess;
beforeAll(async () => {
  const db = join(mkdtempSync(join(tmpdir(), "hubbub-fuzz-")), "hubbub.db");
  // Connection-attempt limits off: the fuzz opens hundreds of sockets from one address on purpose.
  server = await spawnServer(["--port", "0", "--db", db, "--synchronous", "NORMAL", "--presence-grace-ms", "0",
    "--max-payload", String(MAX_PAYLOAD), "--connect-rate-limit", "0", "--max-connections-per-ip", "0"]);
});
afterAll(async () => {
  server.proc.kill();
  await server.proc.exited;
});

interface Tally { sent: number; connections: number; closes: Map<number, number>; errors: Map<string, number>; problems: string[] }

function note(t: Tally, p: Peer): void {
  for (const f of p.frames) if (f.type === "error") t.errors.set((f as ErrorFrame).code, (t.errors.get((f as ErrorFrame).code) ?? 0) + 1);
  t.problems.push(...p.problems);
  p.problems.length = 0;
}

function closed(t: Tally, p: Peer): void {
  const code = p.closeCode!;
  t.closes.set(code, (t.closes.get(code) ?? 0) + 1);
  if (!CLOSE_CODES.has(code)) t.problems.push(`undocumented close code ${code}`);
}

let markers = 0;
/** A ping after the frames: its answer (pong, or an error naming it) means everything before it was handled. */
async function marker(p: Peer): Promise<void> {
  const id = `m${++markers}`;
  p.send({ type: "ping", id });
  await p.waitFor((f) => "id" in f && f.id === id, ANSWER_MS, `marker ${id}`);
}

async function hello(url: string, encoding: Encoding, user: string): Promise<Peer> {
  const p = await Peer.open(url, encoding);
  // MessagePack peers take `events` frames (the SDK's hello), JSON ones do not: both kinds get checked.
  p.send({ type: "hello", id: "h", user, device: "fuzz", client: "cli", ...(encoding === "msgpack" ? { batch: true } : {}) });
  const r = await p.waitFor((f) => f.type === "synced" || f.type === "error", ANSWER_MS, `hello of ${user}`);
  if (r === "closed" || r.type === "error") throw new Error(`fuzz user ${user} could not say hello: ${JSON.stringify(r)} close ${p.closeCode}`);
  return p;
}

/** One lane: its frames, in order, on connections of one encoding and phase; reconnects whenever the server closes one. */
async function lane(encoding: Encoding, phase: Phase, frames: HostileFrame[], t: Tally, laneNo: number): Promise<void> {
  let p: Peer | undefined;
  let users = 0;
  let inConn = 0;
  let connNo = 0;
  // Before hello: a few frames and a marker per connection (within the budget), and every fifth connection over the budget.
  const perConn = () => (phase === "pre" ? (connNo % 5 === 0 ? 12 : 7) : 16);
  const retire = () => { if (p) { note(t, p); if (p.closeCode !== undefined) closed(t, p); else p.close(); } p = undefined; };
  for (const f of frames) {
    if (!p || !p.open) {
      retire();
      t.connections++;
      connNo++;
      inConn = 0;
      p = phase === "pre" ? await Peer.open(server.url, encoding) : await hello(server.url, encoding, `fz${laneNo}u${++users}`);
    }
    p.sendRaw(f.data);
    t.sent++;
    if (++inConn >= perConn()) {
      if (phase === "pre" && inConn > 8) {
        // Over the pre-hello budget: the server must close (4004, or another documented code), unless a hello got through.
        await p.waitFor(() => false, 200, "").catch(() => {});
      }
      if (p.open) await marker(p);
      note(t, p);
      if (phase === "pre") retire();
      else { p.trim(); inConn = 0; }
    }
  }
  if (p?.open) await marker(p);
  retire();
}

/** A canary: says hello, joins the room, sends numbered messages until told to stop, each acked in time. */
class Canary {
  peer!: Peer;
  readonly sent: string[] = [];
  constructor(readonly user: string, readonly encoding: Encoding) {}

  async start(): Promise<void> {
    this.peer = await Peer.open(server.url, this.encoding, true);
    this.peer.send({ type: "hello", id: "h", user: this.user, device: "canary", client: "cli" });
    await this.expect((f) => f.type === "synced", "hello");
    this.peer.send({ type: "join", id: "j", room: ROOM });
    await this.expect((f) => f.id === "j", "join");
  }

  private async expect(pred: (f: ServerFrame & { id?: unknown }) => boolean, what: string): Promise<ServerFrame> {
    const r = await this.peer.waitFor(pred, ANSWER_MS, `${this.user}: ${what}`);
    if (r === "closed") throw new Error(`canary ${this.user} was closed (${this.peer.closeCode}) waiting for ${what}`);
    return r;
  }

  async talk(until: () => boolean): Promise<void> {
    for (let i = 1; !until(); i++) {
      const cmid = `${this.user}-${i}`;
      this.peer.send({ type: "send", id: cmid, to: { room: ROOM }, cmid, text: `message ${i} from ${this.user}` });
      const r = await this.expect((f) => f.id === cmid, `ack of ${cmid}`);
      if (r.type !== "ack") throw new Error(`canary ${this.user} got ${JSON.stringify(r)} for ${cmid}`);
      this.sent.push(cmid);
      await new Promise((res) => setTimeout(res, 40));
    }
  }

  roomEvents(): EventFrame[] { return this.peer.frames.filter((f): f is EventFrame => f.type === "event" && f.stream === `room:${ROOM}`); }
  /** Waits until every given cmid arrived as an event in the room. */
  async received(cmids: string[]): Promise<void> {
    const want = new Set(cmids);
    await this.expect(() => { const got = new Set(this.roomEvents().map((e) => e.cmid)); return [...want].every((c) => got.has(c)); }, "every canary message");
  }
}

test(`adversarial fuzz: ${FRAMES} hostile frames (seed ${SEED}) while two canaries talk`, async () => {
  const frames = sampleFrames(FRAMES, SEED, MAX_PAYLOAD);
  const alice = new Canary("alice", "json");
  const bob = new Canary("bob", "msgpack");
  await alice.start();
  await bob.start();
  const bystander = await Peer.open(server.url, "json");
  bystander.send({ type: "hello", id: "h", user: "carol", device: "bystander", client: "cli" });
  await bystander.waitFor((f) => f.type === "synced", ANSWER_MS, "bystander hello");

  const rss0 = rssBytes(server.proc.pid);
  let rssMax = rss0;
  const rssTimer = setInterval(() => { try { rssMax = Math.max(rssMax, rssBytes(server.proc.pid)); } catch { /* exited: checked below */ } }, 250);

  let done = false;
  let worstPingMs = 0;
  const pinger = (async () => {
    for (let i = 0; !done; i++) {
      const t0 = performance.now();
      bystander.send({ type: "ping", id: `b${i}` });
      const r = await bystander.waitFor((f) => "id" in f && f.id === `b${i}`, ANSWER_MS, `bystander ping ${i}`);
      if (r === "closed") throw new Error(`the bystander was closed (${bystander.closeCode})`);
      worstPingMs = Math.max(worstPingMs, performance.now() - t0);
      bystander.trim();
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  const talking = Promise.all([alice.talk(() => done), bob.talk(() => done)]);

  const tally: Tally = { sent: 0, connections: 0, closes: new Map(), errors: new Map(), problems: [] };
  const t0 = performance.now();
  try {
    const lanes: [Encoding, Phase][] = [["json", "pre"], ["json", "post"], ["msgpack", "pre"], ["msgpack", "post"]];
    await Promise.all(lanes.map(([enc, phase], i) => lane(enc, phase, frames.filter((f) => f.encoding === enc && f.phase === phase), tally, i)));
  } finally {
    done = true;
    clearInterval(rssTimer);
  }
  const fuzzMs = performance.now() - t0;
  await Promise.all([pinger, talking]);

  // The canaries lost nothing: each has every message of both, in one gapless run of seqs, and saw nothing malformed.
  const all = [...alice.sent, ...bob.sent];
  await alice.received(all);
  await bob.received(all);
  for (const c of [alice, bob]) {
    const seqs = c.roomEvents().map((e) => e.seq);
    expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
    expect(c.peer.problems).toEqual([]);
    expect(c.peer.frames.filter((f) => f.type === "error")).toEqual([]);
    expect(c.peer.closeCode).toBeUndefined();
  }
  expect(bystander.problems).toEqual([]);

  console.log(`fuzz: ${tally.sent} frames on ${tally.connections} connections in ${(fuzzMs / 1000).toFixed(1)} s; ` +
    `canaries ${alice.sent.length}+${bob.sent.length} messages; worst bystander ping ${worstPingMs.toFixed(0)} ms; ` +
    `RSS ${(rss0 / 2 ** 20).toFixed(0)} -> max ${(rssMax / 2 ** 20).toFixed(0)} MiB; closes ${JSON.stringify([...tally.closes])}; errors ${JSON.stringify([...tally.errors])}`);
  expect(tally.sent).toBe(FRAMES);
  expect(tally.problems).toEqual([]);
  for (const code of tally.errors.keys()) expect(ERROR_CODES.has(code)).toBe(true);
  expect(rssMax - rss0).toBeLessThan(RSS_GROWTH_BOUND);
  // Still alive and serving.
  expect(server.proc.exitCode).toBeNull();
  expect((await fetch(`${server.url}/health`)).status).toBe(200);
  alice.peer.close();
  bob.peer.close();
  bystander.close();
}, Math.max(180_000, FRAMES * 20));
