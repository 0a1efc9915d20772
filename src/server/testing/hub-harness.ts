/**
 * A hub on the memory log with fake ports, and a client that talks to it the way the Bun
 * transport does (encode, decode, guard, post), for unit and model-based tests of the actors.
 */
import { codecFor, guardClientFrame, type Encoding, type ServerFrame } from "../../protocol/index.ts";
import { createMemoryLog } from "../../store/memory-log.ts";
import type { EventLog } from "../../store/event-log.ts";
import { rebuild } from "../../projections/snapshot.ts";
import { DEFAULTS, type Config } from "../config.ts";
import { createAuthenticator } from "../auth.ts";
import { silentLogger, type Logger } from "../../observability/log.ts";
import { ConnectionActor } from "../../actors/connection.ts";
import type { Authenticator } from "../../actors/context.ts";
import { Hub } from "../../actors/hub.ts";
import { FakeFanout, FakeSocket, type Via } from "../../actors/testing/fakes.ts";

export interface TestHubOptions {
  log?: EventLog;
  fanout?: FakeFanout;
  config?: Partial<Config>;
  authenticate?: Authenticator;
  logger?: Logger;
}

export interface TestHub { hub: Hub; log: EventLog; fanout: FakeFanout; config: Config }

/**
 * A hub with no rate limit, no presence grace and no commit window, so that a few turns of the
 * event loop (`settle`) are enough for everything in flight to be committed and delivered.
 */
export function testHub(opts: TestHubOptions = {}): TestHub {
  const log = opts.log ?? createMemoryLog();
  const fanout = opts.fanout ?? new FakeFanout();
  const config: Config = { ...DEFAULTS, presenceGraceMs: 0, rateLimit: 0, commitWindowMs: 0, snapshotEvery: 0, ...opts.config };
  const { projection } = rebuild(log);
  const hub = new Hub(log, projection, fanout, config, opts.authenticate ?? createAuthenticator(config), opts.logger ?? silentLogger);
  return { hub, log, fanout, config };
}

/** Lets the journal commit (setImmediate) and the actors run what follows from it. */
export async function settle(turns = 8): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

export class TestClient {
  readonly socket: FakeSocket;
  readonly conn: ConnectionActor;
  private readonly codec;

  constructor(readonly th: TestHub, encoding: Encoding = "json", onFrame?: (f: ServerFrame, via: Via) => void) {
    this.socket = new FakeSocket(th.fanout, { encoding, onFrame });
    this.codec = codecFor(encoding, { maxPayload: th.config.maxPayload });
    this.conn = new ConnectionActor(this.socket, this.codec, th.hub);
  }

  /** Sends any value as the client would: over the wire encoding, then through the guard, like transport.ts. */
  send(raw: unknown): void {
    const decoded = this.codec.decode(this.codec.encode(raw as object));
    const g = guardClientFrame(decoded, { maxText: this.th.config.maxText, maxCursors: 5000, maxPage: 500 });
    if (g.ok) this.conn.post({ kind: "frame", frame: g.frame });
    else this.conn.post({ kind: "reject", id: g.id, code: g.code, message: g.message });
  }

  hello(user: string, device = "d1", cursors?: Record<string, number>): void {
    this.send({ type: "hello", user, device, client: "cli", ...(cursors ? { cursors } : {}) });
  }

  /** The peer goes away (network drop). */
  drop(): void {
    this.socket.close(1006, "gone");
    this.conn.socketClosed();
  }

  get frames(): ServerFrame[] { return this.socket.frames; }
}

/** Connects, says hello and waits until the connection is live. */
export async function connected(th: TestHub, user: string, device = "d1", opts: { cursors?: Record<string, number>; encoding?: Encoding } = {}): Promise<TestClient> {
  const c = new TestClient(th, opts.encoding ?? "json");
  c.hello(user, device, opts.cursors);
  await settle();
  if (c.socket.ofType("synced").length !== 1) throw new Error(`${user}/${device} did not sync: ${JSON.stringify(c.frames)}`);
  return c;
}
