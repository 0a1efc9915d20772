/**
 * What the actors need from the outside world, as small interfaces: the socket of one
 * connection, and topic fan-out. The Bun adapter lives in src/server/; tests use fakes.
 */
import type { Encoding, WireData } from "../protocol/index.ts";

export interface Socket {
  readonly encoding: Encoding;
  /** Writes frames in order, as one batch where the transport can (Bun: one corked write). */
  sendBatch(frames: WireData[]): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  close(code: number, reason: string): void;
  /** Bytes queued for this socket and not yet written to the network. */
  bufferedAmount(): number;
}

/** Topic publish that reaches every subscribed socket without a JS call per subscriber. */
export interface Fanout {
  publish(topic: string, data: WireData): void;
}

/** The topic a socket of a given encoding subscribes to for a delivery group (see topics.ts). */
export const topicFor = (group: string, encoding: Encoding): string => `${group}|${encoding}`;
