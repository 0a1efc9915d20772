/**
 * A frame that many connections are sent as it is — a room's presence list, to every connection
 * that starts following the room in one turn — encoded once per wire encoding, on first use,
 * instead of once per connection ("encode once, send many", as fan-out does for topics).
 */
import type { Codec, Encoding, ServerFrame, WireData } from "../protocol/index.ts";

export class SharedFrame {
  private readonly encoded: Partial<Record<Encoding, WireData>> = {};

  /** `encodeWith`: makes the frame's bytes for a codec, exactly as `codec.encode(frame)` would (see eventTails). */
  constructor(readonly frame: ServerFrame, private readonly encodeWith?: (codec: Codec) => WireData) {}

  /** The frame in `codec`'s encoding; the bytes are shared, so nobody may change them. */
  encode(codec: Codec): WireData {
    return (this.encoded[codec.encoding] ??= this.encodeWith ? this.encodeWith(codec) : codec.encode(this.frame));
  }
}
