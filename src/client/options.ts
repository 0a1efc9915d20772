/** How a client is configured: the server, the identity, and the seams tests and runtimes plug into. */
import type { Encoding } from "../protocol/index.ts";
import type { BackoffOptions } from "./backoff.ts";
import type { Clock } from "./clock.ts";
import type { ClientStorage } from "./storage.ts";

/** The subset of the WebSocket API the client uses, so tests and Node 20 (`ws`) can pass their own. */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string | ArrayBufferView | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
}
export type SocketFactory = (url: string, protocols: string[]) => SocketLike;

/** Where the browser says the network or the tab came back (`online`, `offline`, `visibilitychange`). */
export interface BrowserSignals {
  addEventListener?(name: string, fn: () => void): void;
  removeEventListener?(name: string, fn: () => void): void;
  document?: { visibilityState?: string };
}

export interface ClientOptions {
  /** Server base URL, e.g. http://127.0.0.1:8080 (ws:// also accepted); `/ws` is appended. */
  url: string;
  /** User name (dev auth) … */
  user?: string;
  /** … or an HS256 JWT (when the server requires tokens). */
  token?: string;
  /** Client kind shown in presence: "web", "cli", … */
  client: string;
  /** false: do not announce this client in its rooms' presence (a one-shot script or command). Default true. */
  presence?: boolean;
  /** Stable per device; generated and stored if absent. */
  device?: string;
  /** Wire encoding: "json" (default) or "msgpack". */
  encoding?: Encoding;
  /** Where cursors and the outbox survive restarts (default: memory only). */
  storage?: ClientStorage;
  /** WebSocket factory (default: the global WebSocket; under Node 20 pass the `ws` package's). */
  socket?: SocketFactory;
  clock?: Clock;
  random?: () => number;
  backoff?: BackoffOptions;
  /** A connection live this long resets the backoff (default 30 s). */
  stableMs?: number;
  /** Timeout for commands that expect a reply (not sends: those wait in the outbox). Default 10 s. */
  requestTimeoutMs?: number;
  /** Three of these bound each handshake (socket open + hello answered); once welcomed, the server's `heartbeatMs` paces pings. Default 10 s. */
  heartbeatMs?: number;
  /** Source of `online`/`offline`/`visibilitychange` (default: globalThis, the window in a browser). */
  signals?: BrowserSignals;
}
