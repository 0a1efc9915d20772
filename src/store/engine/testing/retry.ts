import { EngineError, type AppendResult, type Engine, type EngineRequest } from "../engine.ts";

/**
 * Appends a batch, retrying the same requests (same cmids) while the engine says the call may
 * succeed later — what the Journal will do. Every failure is pushed to `failures`.
 */
export async function appendRetrying(e: Engine, batch: readonly EngineRequest[], failures: unknown[] = []): Promise<AppendResult[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await e.append(batch);
    } catch (err) {
      failures.push(err);
      if (!(err instanceof EngineError && err.retryable) || attempt >= 50) throw err;
      await Bun.sleep(Math.min(200, 5 * 2 ** attempt)); // a retry backoff, not a wait for an event
    }
  }
}
