/** A raw WebSocket peer for the fuzz suite: it checks every frame the server sends is well-formed, and records closes. */
import { CloseCode, ErrorCode, SUBPROTOCOLS, codecFor, isUserName, type Encoding, type ServerFrame, type ServerFrameType } from "../../../src/protocol/index.ts";

/** Every server frame type (a Record, so a type added to the protocol fails to compile until it is here). */
const SERVER_TYPES = new Set(Object.keys({
  welcome: 1, event: 1, events: 1, ack: 1, synced: 1, truncated: 1, presence: 1, typing: 1, page: 1, room_list: 1, error: 1, pong: 1,
  user_info: 1, search_results: 1, room_settings: 1,
} satisfies Record<ServerFrameType, 1>));
export const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));
export const CLOSE_CODES: ReadonlySet<number> = new Set(Object.values(CloseCode).filter((c) => c !== CloseCode.Abnormal));

/** Why a frame from the server is malformed, or undefined when it is fine. */
function malformed(f: unknown): string | undefined {
  if (typeof f !== "object" || f === null || Array.isArray(f)) return "not an object";
  const o = f as Record<string, unknown>;
  if (typeof o.type !== "string" || !SERVER_TYPES.has(o.type)) return `unknown type ${String(o.type)}`;
  if (o.type === "error" && !ERROR_CODES.has(o.code as string)) return `undocumented error code ${String(o.code)}`;
  if (o.type === "events") {
    if (typeof o.stream !== "string" || !Array.isArray(o.events) || o.events.length < 2) return "events without stream or with fewer than two events";
    for (const [i, e] of (o.events as Record<string, unknown>[]).entries()) {
      const bad = malformed({ ...e, type: "event" });
      if (bad) return `events[${i}]: ${bad}`;
      if (e.stream !== o.stream || (i > 0 && e.seq !== (o.events as { seq: number }[])[i - 1]!.seq + 1)) return "events not consecutive in one stream";
    }
  }
  if (o.type === "event") {
    if (typeof o.stream !== "string" || !Number.isInteger(o.seq) || (o.seq as number) < 1 || !Number.isInteger(o.pos)) return "event without stream/seq/pos";
    if (!isUserName(o.author) && o.author !== "@operator") return `event author ${String(o.author)}`;
    if (typeof o.body !== "object" || o.body === null) return "event without a body";
  }
  return undefined;
}

export class Peer {
  readonly frames: ServerFrame[] = [];
  readonly problems: string[] = [];
  closeCode: number | undefined;
  private waiters: (() => void)[] = [];
  private readonly codec;

  private constructor(readonly ws: WebSocket, readonly encoding: Encoding, readonly keep: boolean) {
    this.codec = codecFor(encoding);
    ws.binaryType = "arraybuffer";
    ws.onmessage = (m) => {
      try {
        const f = this.codec.decode(m.data as string | ArrayBuffer);
        const bad = malformed(f);
        if (bad) this.problems.push(`${bad}: ${JSON.stringify(f).slice(0, 200)}`);
        else if (this.keep || (f as ServerFrame).type !== "event") this.frames.push(f as ServerFrame);
      } catch (e) {
        this.problems.push(`undecodable frame from the server: ${(e as Error).message}`);
      }
      this.wake();
    };
    ws.onclose = (e) => { this.closeCode = e.code; this.wake(); };
  }

  /** `keep`: keep every event (canaries); fuzz peers keep only replies, to stay small. */
  static open(url: string, encoding: Encoding, keep = false): Promise<Peer> {
    const ws = new WebSocket(url.replace(/^http/, "ws") + "/ws", [SUBPROTOCOLS[encoding]]);
    const p = new Peer(ws, encoding, keep);
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve(p);
      ws.onerror = () => reject(new Error("websocket failed to open"));
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get open(): boolean { return this.closeCode === undefined && this.ws.readyState === WebSocket.OPEN; }

  send(frame: object): void { this.sendRaw(this.codec.encode(frame)); }
  sendRaw(data: string | Uint8Array<ArrayBuffer>): void { if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data); }

  /** Resolves with the first frame matching, or "closed"; rejects after `ms` ("the server did not answer"). */
  async waitFor(pred: (f: ServerFrame) => boolean, ms: number, what: string): Promise<ServerFrame | "closed"> {
    const deadline = Date.now() + ms;
    for (let from = 0; ;) {
      for (; from < this.frames.length; from++) if (pred(this.frames[from]!)) return this.frames[from]!;
      if (this.closeCode !== undefined) return "closed";
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the server did not answer within ${ms} ms: ${what}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, Math.min(left, 1000)); });
    }
  }

  /** Forgets replies already seen (a long-lived fuzz connection would otherwise keep them all). */
  trim(): void { this.frames.length = 0; }

  close(): void { try { this.ws.close(1000); } catch { /* already closed */ } }
}
