/**
 * What the server keeps on each Bun WebSocket (\`ws.data\`). Its own file so that the transport and
 * the close log can both use it without importing each other.
 */
import type { ConnectionActor } from "../actors/connection.ts";
import type { BunSocket } from "../fanout/bun.ts";
import type { Encoding } from "../protocol/index.ts";

export interface SocketData {
  encoding: Encoding | undefined;
  conn?: ConnectionActor;
  /** The connection's socket adapter: Bun's drain and close events wake its waiters. */
  socket?: BunSocket;
  /** Frames and bytes received before the hello was accepted (counted only until then). */
  preHelloFrames: number;
  preHelloBytes: number;
  /** performance.now() at upgrade: the close line says how long the connection lasted. */
  openedAt: number;
  /** The client's address as limits key it (see addressKey), when a gate is in use; from open(), only while counted there. */
  address?: string;
  /** The client's address (the peer's, or the one trusted proxies forwarded), for the logs. */
  ip?: string;
}
