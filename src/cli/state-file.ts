/**
 * The state file (--state): device id, the server log's epoch, cursors and the outbox, as JSON.
 *
 * Its cursors mean "printed up to here", per stream, which is not what the SDK's cursors mean
 * ("received up to here"): a one-shot `send` receives the whole replay of what was missed, and
 * `tail --room a` receives room b's replay too. Saving the SDK's cursors as they are would let
 * those runs silently swallow what the next `tail --room b` should print. So a save keeps:
 *  - for a stream this run printed from: the last seq printed (markShown);
 *  - for a stream the file already had: the file's value;
 *  - for a stream new to the file: its head in the welcome ("from now on"), or, for one that
 *    appears later (a DM that just began, a room just joined), right before its first event;
 *  - for the user's private stream (never printed): the SDK's value, so its replay stays short.
 * `unseen(e)` tells a command whether to print an event: a resume replays new streams from where
 * the user joined them, and those events predate "from now on".
 * Several processes may share one file (`tail --follow` in one terminal, `send` in another): a
 * save re-reads the file and keeps the higher cursor per stream and the sends other processes
 * queued. A new epoch (the server's log was replaced) forgets every cursor, as the SDK does.
 */
import type { ClientStorage, SavedState } from "../client/index.ts";
import { fileStorage } from "../client/storage-file.ts";
import type { Cursors, EventData, WelcomeFrame } from "../protocol/index.ts";

export class StateFile implements ClientStorage {
  private readonly loaded: SavedState | undefined;
  /** Every queued send this process has had: the others in the file were queued elsewhere. */
  private readonly ownCmids: Set<string>;
  private epoch: string | undefined;
  private kept: Cursors;
  private shown: Cursors = {};
  private warned = false;

  constructor(readonly path: string, private readonly file: ClientStorage = fileStorage(path)) {
    this.loaded = file.load();
    this.epoch = this.loaded?.epoch;
    this.kept = { ...this.loaded?.cursors };
    this.ownCmids = new Set((this.loaded?.outbox ?? []).map((i) => i.cmid));
  }

  load(): SavedState | undefined { return this.loaded && structuredClone(this.loaded); }

  /** Whether the file had a cursor for the stream when this run began (if not, it starts from now). */
  knew(stream: string): boolean { return this.loaded?.cursors[stream] !== undefined; }

  /** Streams new to the file start at their head: only what comes after is news to this file. */
  welcome(w: WelcomeFrame): void {
    for (const st of w.streams) this.kept[st.stream] ??= st.head;
  }

  /** A stream first met through an event starts right before it. Call for every event, first. */
  saw(e: Pick<EventData, "stream" | "seq">): void {
    this.kept[e.stream] ??= e.seq - 1;
  }

  /** Whether the event comes after what this file has printed (or decided to skip) in its stream. */
  unseen(e: Pick<EventData, "stream" | "seq">): boolean {
    return e.seq > Math.max(this.kept[e.stream] ?? 0, this.shown[e.stream] ?? 0);
  }

  /** The user has now seen this event: the next run starts after it. */
  markShown(e: Pick<EventData, "stream" | "seq">): void {
    if ((this.shown[e.stream] ?? 0) < e.seq) this.shown[e.stream] = e.seq;
  }

  save(s: SavedState): void {
    // Nothing worth keeping before a server has answered once: a typo'd --url leaves no file.
    if (this.loaded === undefined && s.epoch === undefined && s.outbox.length === 0) return;
    if (s.epoch !== this.epoch) {
      if (this.epoch !== undefined) { this.kept = {}; this.shown = {}; }
      this.epoch = s.epoch;
    }
    for (const [stream, seq] of Object.entries(s.cursors)) if (stream.startsWith("user:")) this.kept[stream] = seq;
    for (const i of s.outbox) this.ownCmids.add(i.cmid);
    const mine = higher(this.kept, this.shown);
    const disk = this.file.load();
    const sameLog = disk !== undefined && disk.epoch === s.epoch;
    const cursors = sameLog ? higher(disk.cursors ?? {}, mine) : mine;
    const queuedElsewhere = sameLog
      ? (disk.outbox ?? []).filter((i) => !this.ownCmids.has(i.cmid))
      : [];
    try {
      this.file.save({ ...s, cursors, outbox: [...s.outbox, ...queuedElsewhere] });
    } catch (e) {
      // Saves also run from the SDK's timers, where a throw would end the process with a stack.
      if (!this.warned) process.stderr.write(`hubbub: warning: cannot write the state file ${this.path}: ${(e as Error).message}\n`);
      this.warned = true;
    }
  }
}

function higher(a: Cursors, b: Cursors): Cursors {
  const out: Cursors = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = Math.max(out[k] ?? 0, v);
  return out;
}
