/**
 * The frames of one stream's events held back in a commit block (Hub.commitBlock), for the
 * connections that take `events` frames and start following the stream there — a room's
 * newcomers, each from its own `joined` on. Each frame is encoded once per encoding and shared by every newcomer that gets it
 * (with JSON each event is encoded once for all of them: eventTails).
 */
import { eventFrame, eventTails, type EventData, type EventsFrame, type WireData, type Codec, type Encoding } from "../protocol/index.ts";
import { SharedFrame } from "./shared-frame.ts";

/**
 * Called when a connection that starts following a held stream may subscribe: a plain one
 * (`held` undefined) right before its own `joined` goes to the plain topic, which then carries it
 * and the rest; a batch one after the batch topic got the commit's frame, with the frames to send
 * it first. `final`: nothing more of the stream is published in this block (so the frames may
 * wait for this turn's write).
 */
export type FollowHeld = (held: HeldFrames | undefined, final: boolean) => void;

export class HeldFrames {
  private readonly tails: Partial<Record<Encoding, (from: number) => WireData>> = {};
  private readonly batches = new Map<number, SharedFrame>();

  /** `events`: consecutive events of one stream, in seq order. */
  constructor(private readonly events: readonly EventData[]) {}

  /** The events from seq `seq` on, as one frame for a client that takes `events` frames (none when there are none). */
  from(seq: number): SharedFrame[] {
    const events = this.events;
    const i = events.findIndex((e) => e.seq >= seq);
    if (i < 0) return [];
    let f = this.batches.get(i);
    if (f === undefined) {
      const tail = events.slice(i);
      const frame: EventsFrame | ReturnType<typeof eventFrame> = tail.length === 1 ? eventFrame(tail[0]!) : { type: "events", stream: tail[0]!.stream, events: tail };
      f = new SharedFrame(frame, (codec: Codec) => (this.tails[codec.encoding] ??= eventTails(codec, events))(i));
      this.batches.set(i, f);
    }
    return [f];
  }
}
