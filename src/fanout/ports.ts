/**
 * The wire side of the actors, as two small ports: the socket of one connection, and topic
 * fan-out (who follows which topic, and a publish that reaches them all). Adapters: Bun's
 * native WebSocket server (`bun.ts`) and an in-memory twin (`memory.ts`); one contract suite
 * (`fanout.contract.ts`) runs against both. Actors import only this file.
 */
import type { Encoding, WireData } from "../protocol/index.ts";

export interface Socket {
  readonly encoding: Encoding;
  /** Writes frames in order, as one batch where the transport can (Bun: one corked write). */
  sendBatch(frames: WireData[]): void;
  close(code: number, reason: string): void;
  /** Bytes queued for this socket and not yet written to the network. */
  bufferedAmount(): number;
  /**
   * Resolves when the transport has written some of its backlog (Bun's `drain`), or at once when
   * nothing is queued; also when the socket closes. Callers re-check `bufferedAmount()` after it:
   * a drain says "progress", not "empty". This replaces polling the buffer with a timer.
   */
  drained(): Promise<void>;
}

/**
 * Topic fan-out. Contract: a publish reaches every socket subscribed to the topic at the moment
 * of the call, in publish order, and no other; `subscribe` and `publish` take effect
 * synchronously (the gap-free resume rule in docs/architecture.md needs "subscribed" to be true
 * the instant the call returns); a closed socket follows nothing. Publishing costs no JavaScript
 * call per subscriber in the Bun adapter.
 */
export interface Fanout {
  publish(topic: string, data: WireData): void;
  subscribe(socket: Socket, topic: string): void;
  unsubscribe(socket: Socket, topic: string): void;
  /** The socket has closed: it follows nothing any more. The transport calls this once per socket. */
  release(socket: Socket): void;
  /** How many sockets a publish to `topic` would reach now (Bun: a native call, so not per publish on a hot path). */
  subscriberCount(topic: string): number;
}

/**
 * The topic a socket of a given encoding subscribes to for a delivery group (see actors/topics.ts);
 * `batch`: the socket's client takes `events` frames (several events of one stream in one frame),
 * so it follows its own topic, on which a commit's events of a stream are one frame.
 */
export const topicFor = (group: string, encoding: Encoding, batch = false): string => batch ? `${group}|${encoding}|b` : `${group}|${encoding}`;
