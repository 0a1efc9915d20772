/**
 * Follows an engine from a position: the one reader through which a node learns of every
 * committed event, its own included (docs/architecture.md, "The engine port").
 *
 * Contract:
 * - `onBatch` receives events strictly in pos order, each pos exactly once, starting right after
 *   `afterPos`: the tailer checks `pos === last + 1` for every event and never delivers past a
 *   hole (it re-reads instead; with commit order = pos order a hole means a bug, reported through
 *   `onError`). Batches are delivered one at a time: the next waits until `onBatch` has returned
 *   (or its promise settled). If `onBatch` throws, the same events are delivered again later, so
 *   the consumer should apply a batch all or nothing.
 * - Wake-ups: the engine's watch (LISTEN/NOTIFY on PostgreSQL) for low latency, a read on every
 *   (re)LISTEN, and a poll every `pollMs` in case a hint was lost. A hint that carries its
 *   commit's events (WatchHandlers.onHead) is delivered without a read when its first event is
 *   the one after the tailer's position; any other hint triggers a read. The same pos-by-pos
 *   check applies to both, so events never skip or repeat, whichever way they came.
 * - Errors (connection lost, database restarting) are reported to `onError` and retried with
 *   backoff; the position is kept, so nothing is skipped or repeated across a drop.
 * - Divergence: if the engine's epoch is not the one the tailer started with, or its head is behind
 *   the tailer's position (a restored older backup), or the event at the tailer's position is not
 *   the one it delivered last (an older backup that has since grown past it: same epoch, other
 *   history), the tailer stops and reports an EngineError("diverged"): its follower must rebuild,
 *   never continue silently. Checked at start, after every (re)LISTEN and after every error.
 */
import { EngineError, type Engine, type StoredEvent, type Watch } from "./engine.ts";

export interface TailerOptions {
  /** Deliver events after this pos (the follower's own position; 0 for a new follower). */
  afterPos: number;
  onBatch(events: StoredEvent[]): void | Promise<void>;
  /** Errors: retried ones (retryable) and the final one (a diverged engine). */
  onError?(err: unknown): void;
  /** The epoch the follower's position belongs to. Default: the engine's epoch at open. */
  epoch?: string;
  /**
   * The follower's last event (at `afterPos`), if it has one: checked against the engine's event
   * at that pos, so a different history under the same epoch is caught. After the first batch
   * the tailer checks against the last event it delivered itself.
   */
  lastEvent?: StoredEvent;
  /** Events per read. Default 1000. */
  pageSize?: number;
  /** Poll interval, the fallback for lost wake-ups. Default 250 ms. */
  pollMs?: number;
  /** First retry delay after an error; doubles up to `maxRetryMs`. Defaults 50 / 2000 ms. */
  retryMs?: number;
  maxRetryMs?: number;
}

export interface Tailer {
  /** The pos of the last event delivered (and accepted) by onBatch. */
  readonly position: number;
  /** Resolves once `position ≥ pos`; rejects after `timeoutMs` or if the tailer stops first. */
  waitFor(pos: number, timeoutMs: number): Promise<void>;
  /** Set when the tailer stopped by itself (diverged engine). */
  readonly failure: unknown;
  /**
   * Resolves once the engine's identity (epoch, head, the follower's last event) has been checked
   * the first time; rejects if the tailer stops first (e.g. diverged). A follower that must not
   * serve anything before knowing its position is in the engine's history waits for it.
   */
  readonly verified: Promise<void>;
  stop(): Promise<void>;
}

/** Same place in the same history: what identifies an event beyond its pos. */
function sameEvent(a: StoredEvent, b: StoredEvent): boolean {
  return a.pos === b.pos && a.stream === b.stream && a.seq === b.seq && a.author === b.author && a.at === b.at && a.cmid === b.cmid;
}

export function startTailer(engine: Engine, opts: TailerOptions): Tailer {
  const pageSize = opts.pageSize ?? 1000;
  const pollMs = opts.pollMs ?? 250;
  const retryBase = opts.retryMs ?? 50;
  const retryMax = opts.maxRetryMs ?? 2000;
  const epoch = opts.epoch ?? engine.epoch;
  let position = opts.afterPos;
  let last: StoredEvent | undefined = opts.lastEvent;
  if (last && last.pos !== position) throw new Error(`tailer: lastEvent.pos ${last.pos} is not afterPos ${position}`);
  let stopped = false;
  let failure: unknown;
  let watch: Watch | undefined;
  let watching: Promise<void> | undefined;
  let running: Promise<void> | undefined;
  let again = false; // a wake-up came while a pump was running: pump once more
  let checkHead = true; // verify epoch/head before the next read (at start, after every (re)LISTEN and error)
  let retryDelay = retryBase;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  // Events that hints carried, in commit order, not yet delivered; bounded (reads cover the rest).
  let hinted: StoredEvent[] = [];
  let hintedHead = 0;
  let mustRead = true; // set by every wake-up that is not a hint with its events: the next pump reads
  const waiters = new Set<{ pos: number; resolve: () => void; reject: (e: unknown) => void; timer: ReturnType<typeof setTimeout> }>();

  let verify!: { resolve: () => void; reject: (e: unknown) => void };
  const verified = new Promise<void>((resolve, reject) => { verify = { resolve, reject }; });
  verified.catch(() => {}); // nobody may be waiting

  const report = (e: unknown) => { try { opts.onError?.(e); } catch { /* a throwing reporter must not stop the tailer */ } };

  function settleWaiters(): void {
    if (stopped) verify.reject(failure ?? new EngineError("closed", "tailer stopped", false));
    for (const w of waiters) {
      if (position >= w.pos) { clearTimeout(w.timer); waiters.delete(w); w.resolve(); }
      else if (stopped) { clearTimeout(w.timer); waiters.delete(w); w.reject(failure ?? new EngineError("closed", "tailer stopped", false)); }
    }
  }

  async function ensureWatch(): Promise<void> {
    if (watch || stopped) return;
    watching ??= engine.watch({
      onHead: (pos, events) => {
        if (pos <= position) return;
        if (events && events.length > 0 && hinted.length + events.length <= pageSize) {
          hinted.push(...events);
          hintedHead = Math.max(hintedHead, pos);
        } else mustRead = true;
        wake();
      },
      onListening: () => { checkHead = true; mustRead = true; wake(); },
      known: () => position,
    }).then((w) => {
      if (stopped) return void w.stop().catch(() => {});
      watch = w;
    }).finally(() => { watching = undefined; });
    await watching;
  }

  async function deliver(batch: StoredEvent[]): Promise<void> {
    await opts.onBatch(batch);
    last = batch[batch.length - 1]!;
    position = last.pos;
    settleWaiters();
  }

  /**
   * The hinted events that follow on from the tailer's position, consecutive; drops those at or
   * before it. If the first left is not the next pos (a hint was lost or came late), the rest
   * stay, and the caller reads.
   */
  function takeHinted(): StoredEvent[] {
    let i = 0;
    while (i < hinted.length && hinted[i]!.pos <= position) i++;
    let n = 0;
    while (i + n < hinted.length && hinted[i + n]!.pos === position + 1 + n) n++;
    const run = hinted.slice(i, i + n);
    hinted = n > 0 || i > 0 ? hinted.slice(i + n) : hinted;
    if (n === 0 && hinted.length > 0) { mustRead = true; hinted = []; }
    return run;
  }

  async function pumpOnce(): Promise<void> {
    await ensureWatch();
    if (checkHead) {
      const head = await engine.head();
      if (head.epoch !== epoch) throw new EngineError("diverged", `engine epoch ${head.epoch} is not the follower's ${epoch}`, false);
      if (head.pos < position) throw new EngineError("diverged", `engine head ${head.pos} is behind the follower's position ${position}`, false);
      if (last) {
        const [there] = await engine.readAfter(position - 1, 1);
        if (!there || !sameEvent(there, last)) {
          throw new EngineError("diverged", `the engine's event at pos ${position} is not the one the follower has (${last.stream}#${last.seq})`, false);
        }
      }
      checkHead = false;
      verify.resolve();
    }
    for (;;) {
      if (stopped) return;
      const fromHints = takeHinted();
      if (fromHints.length > 0) {
        await deliver(fromHints);
        continue;
      }
      // Every hinted event is delivered (or was read): no read is needed until a wake-up says so.
      if (!mustRead && hinted.length === 0 && position >= hintedHead) return;
      mustRead = false;
      const page = await engine.readAfter(position, pageSize);
      let n = 0;
      while (n < page.length && page[n]!.pos === position + 1 + n) n++;
      if (n < page.length) report(new Error(`tailer: expected pos ${position + 1 + n}, read ${page[n]!.pos}; re-reading`));
      if (n === 0) return; // nothing new, or a hole right after us: the next poll re-reads
      await deliver(n === page.length ? page : page.slice(0, n));
      if (page.length < pageSize) return;
      mustRead = true; // a full page: there may be more
    }
  }

  function wake(): void {
    if (stopped) return;
    if (running) { again = true; return; }
    if (retryTimer) return; // an error backoff is pending; it will pump
    // `running` is cleared by the loop itself, in the same microtask as its last `again` check: a
    // wake-up that came after that check (a hint queued before a `.finally` callback) starts a
    // new pump instead of setting an `again` nobody reads any more.
    running = (async () => {
      try {
        do {
          again = false;
          try {
            await pumpOnce();
            retryDelay = retryBase;
          } catch (e) {
            report(e);
            if (e instanceof EngineError && e.code === "diverged") { failure = e; stopped = true; settleWaiters(); break; }
            checkHead = true;
            mustRead = true; // a batch that failed to apply may have come from hints: read it again
            const delay = retryDelay;
            retryDelay = Math.min(retryMax, retryDelay * 2);
            retryTimer = setTimeout(() => { retryTimer = undefined; wake(); }, delay);
            break;
          }
        } while (again && !stopped);
      } finally { running = undefined; }
    })();
  }

  const poll = setInterval(() => { mustRead = true; wake(); }, pollMs);
  poll.unref?.();
  wake();

  return {
    get position() { return position; },
    get failure() { return failure; },
    verified,
    waitFor(pos, timeoutMs) {
      if (position >= pos) return Promise.resolve();
      if (stopped) return Promise.reject(failure ?? new EngineError("closed", "tailer stopped", false));
      return new Promise((resolve, reject) => {
        const w = {
          pos, resolve, reject,
          timer: setTimeout(() => { waiters.delete(w); reject(new Error(`tailer at ${position}, not ${pos}, after ${timeoutMs} ms`)); }, timeoutMs),
        };
        waiters.add(w);
      });
    },
    async stop() {
      stopped = true;
      clearInterval(poll);
      if (retryTimer) clearTimeout(retryTimer);
      await running?.catch(() => {});
      await watching?.catch(() => {});
      await watch?.stop().catch(() => {});
      settleWaiters();
    },
  };
}
