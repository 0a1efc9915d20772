/**
 * Integration harness: a real hubbub on a random port, and raw WebSocket clients that record
 * every frame, in either encoding. No SDK here on purpose: these tests pin the wire protocol.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SUBPROTOCOLS, codecFor, type Encoding, type ServerFrame, type EventFrame } from "../../src/protocol/index.ts";
import { startServer, type RunningServer } from "../../src/server/start.ts";
import type { Config } from "../../src/server/config.ts";
import { silentLogger } from "../../src/observability/log.ts";

export const tempDb = (): string => join(mkdtempSync(join(tmpdir(), "hubbub-it-")), "hubbub.db");

export function start(overrides: Partial<Config> = {}): Promise<RunningServer> {
  return startServer({ port: 0, db: tempDb(), presenceGraceMs: 0, rateLimit: 0, connectRateLimit: 0, ...overrides }, silentLogger);
}

/** The default limit of one wait. */
const WAIT_MS = 20_000;

export class TestClient {
  readonly frames: ServerFrame[] = [];
  closeEvent: { code: number; reason: string } | undefined;
  private waiters: (() => void)[] = [];
  private nextId = 1;
  private readonly codec;

  private constructor(readonly ws: WebSocket, readonly encoding: Encoding) {
    this.codec = codecFor(encoding);
    ws.binaryType = "arraybuffer";
    ws.onmessage = (m) => {
      this.frames.push(this.codec.decode(m.data as string | ArrayBuffer) as ServerFrame);
      this.wake();
    };
    ws.onclose = (e) => { this.closeEvent = { code: e.code, reason: e.reason }; this.wake(); };
  }

  static async open(url: string, encoding: Encoding = "json", protocols?: string[]): Promise<TestClient> {
    const ws = new WebSocket(url.replace(/^http/, "ws") + "/ws", protocols ?? [SUBPROTOCOLS[encoding]]);
    const c = new TestClient(ws, encoding);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("websocket failed to open"));
    });
    return c;
  }

  /** Opens, says hello, waits for `synced`. */
  static async connect(url: string, user: string, opts: { device?: string; encoding?: Encoding; cursors?: Record<string, number>; batch?: boolean } = {}): Promise<TestClient> {
    const c = await TestClient.open(url, opts.encoding ?? "json");
    c.send({ type: "hello", user, device: opts.device ?? "d1", client: "cli", cursors: opts.cursors, ...(opts.batch ? { batch: true } : {}) });
    await c.waitFor((f) => f.type === "synced");
    return c;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(frame: object): void { this.ws.send(this.codec.encode(frame)); }
  sendRaw(data: string | Uint8Array<ArrayBuffer>): void { this.ws.send(data); }

  /** Sends a command with a fresh id and resolves with its reply (ack, error, page, ...). */
  async request(frame: object): Promise<ServerFrame> {
    const id = this.nextId++;
    this.send({ ...frame, id });
    return this.waitFor((f) => "id" in f && f.id === id && f.type !== "synced");
  }

  /**
   * Resolves with the first frame matching `pred`, woken by each arriving frame (no polling). The
   * default limit is for one step on a loaded 2-core machine (a resume replaying megabytes took
   * over 3 s there at load 30); tests that need a tighter bound say so.
   */
  async waitFor(pred: (f: ServerFrame) => boolean, timeoutMs = WAIT_MS): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.frames.find(pred);
      if (hit) return hit;
      if (this.closeEvent) throw new Error(`closed (${this.closeEvent.code} ${this.closeEvent.reason}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; frames so far: ${JSON.stringify(this.frames.slice(-5))}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, left); });
    }
  }

  async waitClosed(timeoutMs = WAIT_MS): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closeEvent) {
      if (Date.now() > deadline) throw new Error("not closed in time");
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
    return this.closeEvent;
  }

  /** Every event received, in order: `event` frames, and each event of an `events` frame (a client that said `batch: true`). */
  events(stream?: string): EventFrame[] {
    const out: EventFrame[] = [];
    for (const f of this.frames) {
      if (f.type === "event") { if (stream === undefined || f.stream === stream) out.push(f); }
      else if (f.type === "events" && (stream === undefined || f.stream === stream)) for (const e of f.events) out.push({ type: "event", ...e });
    }
    return out;
  }

  /** The last seq seen per stream: what a client would send as cursors. */
  cursors(): Record<string, number> {
    const c: Record<string, number> = {};
    for (const e of this.events()) c[e.stream] = Math.max(c[e.stream] ?? 0, e.seq);
    return c;
  }

  close(): void { this.ws.close(1000); }
}

export const seqs = (events: { seq: number }[]): number[] => events.map((e) => e.seq);
export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
