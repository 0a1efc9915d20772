/**
 * Commands waiting for their reply, by command id. Each settles exactly once: with the reply,
 * with the server's `error` as a CommandError, on timeout, or when the connection goes away
 * (a reply can never arrive on another socket, so waiting longer would only hang the caller).
 */
import type { ErrorCode, ServerFrame } from "../protocol/index.ts";
import type { Clock } from "./clock.ts";

/** Why a command failed: the server's error code, or what happened on this side. */
export class CommandError extends Error {
  constructor(readonly code: ErrorCode | "disconnected" | "timeout", message: string) {
    super(message);
    this.name = "CommandError";
  }
}

interface Waiter { resolve: (f: ServerFrame) => void; reject: (e: Error) => void; timer: unknown }

export class Requests {
  private readonly waiting = new Map<string, Waiter>();
  private nextId = 1;

  constructor(private readonly clock: Clock, private readonly timeoutMs: number) {}

  /** Registers a command and returns its id and the promise of its reply. */
  open(what: string): { id: string; reply: Promise<ServerFrame> } {
    const id = `r${this.nextId++}`;
    const reply = new Promise<ServerFrame>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.waiting.delete(id);
        reject(new CommandError("timeout", `no reply to ${what} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
    });
    return { id, reply };
  }

  /** Settles the command `id` with its reply; false if nobody waits for it. */
  settle(id: string, f: ServerFrame): boolean {
    const w = this.waiting.get(id);
    if (!w) return false;
    this.waiting.delete(id);
    this.clock.clearTimeout(w.timer);
    if (f.type === "error") w.reject(new CommandError(f.code, f.message));
    else w.resolve(f);
    return true;
  }

  failAll(message: string): void {
    for (const [id, w] of this.waiting) {
      this.waiting.delete(id);
      this.clock.clearTimeout(w.timer);
      w.reject(new CommandError("disconnected", message));
    }
  }
}
