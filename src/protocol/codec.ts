/**
 * Wire encodings, negotiated per connection by WebSocket subprotocol.
 * JSON travels in text frames, MessagePack in binary frames. Decoders throw on bad input;
 * callers turn that into a `bad_frame` error, never a crash.
 */
import { Decoder, Encoder } from "@msgpack/msgpack";
import { DEFAULT_MAX_DEPTH, scanMsgpack } from "./msgpack-scan.ts";
import { encodeMsgpack } from "./msgpack-encode.ts";
import { decodeMsgpack, type DecodeLimits } from "./msgpack-decode.ts";
import { eventsFrame, type EventData } from "./frames.ts";

export type Encoding = "json" | "msgpack";
export const ENCODINGS: readonly Encoding[] = ["json", "msgpack"];
export const SUBPROTOCOLS: Record<Encoding, string> = {
  json: "hubbub.v1.json",
  msgpack: "hubbub.v1.msgpack",
};

/**
 * Picks the encoding from a `Sec-WebSocket-Protocol` header: the first offered protocol we
 * speak wins; no header means JSON; offers that are all unknown mean `undefined` (refuse).
 */
export function negotiateEncoding(header: string | null | undefined): Encoding | undefined {
  if (!header || header.trim() === "") return "json";
  for (const offered of header.split(",").map((s) => s.trim())) {
    for (const enc of ENCODINGS) if (SUBPROTOCOLS[enc] === offered) return enc;
  }
  return undefined;
}

export type WireData = string | Uint8Array<ArrayBuffer>;

export interface Codec {
  readonly encoding: Encoding;
  encode(frame: object): WireData;
  /** Throws on malformed input. */
  decode(data: string | ArrayBuffer | Uint8Array): unknown;
}

const textDecoder = new TextDecoder("utf-8", { fatal: true });

export const jsonCodec: Codec = {
  encoding: "json",
  encode: (frame) => JSON.stringify(frame),
  decode(data) {
    const text = typeof data === "string" ? data : textDecoder.decode(data);
    return JSON.parse(text);
  },
};

/**
 * Decode limits for untrusted input: no string, array or map can be declared larger than a frame may be,
 * and (see msgpack-scan.ts) a frame's claimed entries in total never exceed its length, nor its nesting `maxDepth`.
 */
export interface MsgpackLimits { maxPayload: number; maxDepth?: number }

export function msgpackCodec(limits: MsgpackLimits = { maxPayload: 1 << 20 }): Codec {
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const encoder = new Encoder({ ignoreUndefined: true });
  const decodeLimits: DecodeLimits = { maxStrLength: limits.maxPayload, maxArrayLength: 10_000, maxMapLength: 10_000 };
  const decoder = new Decoder({ ...decodeLimits, maxBinLength: 0, maxExtLength: 0 });
  // @msgpack/msgpack stays the reference: the fast paths (msgpack-encode.ts, msgpack-decode.ts)
  // give its bytes and values exactly, and hand it whatever they do not handle themselves.
  const reference = { encode: (v: unknown) => encoder.encode(v), decode: (b: Uint8Array) => decoder.decode(b) };
  return {
    encoding: "msgpack",
    encode: (frame) => encodeMsgpack(frame, reference.encode),
    decode(data) {
      if (typeof data === "string") throw new Error("text frame on a msgpack connection");
      const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
      scanMsgpack(bytes, maxDepth); // before the decoder preallocates anything on the frame's word
      return decodeMsgpack(bytes, decodeLimits, reference.decode);
    },
  };
}

export function codecFor(encoding: Encoding, limits?: MsgpackLimits): Codec {
  return encoding === "json" ? jsonCodec : msgpackCodec(limits);
}

/**
 * The frames of the tails of `events` (consecutive events of one stream): `from(i)` is exactly
 * `codec.encode(eventsFrame(events.slice(i)))` — an `event` frame for the last one alone. With
 * JSON each event is encoded once, however many tails are asked for: k newcomers of one commit
 * each get the commit's events of the room from their own `joined` on, which encoded whole
 * would be k²/2 event encodes. Other codecs encode each tail whole.
 */
export function eventTails(codec: Codec, events: readonly EventData[]): (from: number) => WireData {
  if (codec.encoding !== "json") return (from) => codec.encode(eventsFrame(events.slice(from)));
  let parts: string[] | undefined;
  let head: string | undefined;
  return (from) => {
    if (from === events.length - 1) return codec.encode(eventsFrame(events.slice(from)));
    parts ??= (eventsFrame(events) as { events: EventData[] }).events.map((e) => JSON.stringify(e));
    head ??= `{"type":"events","stream":${JSON.stringify(events[0]!.stream)},"events":[`;
    return `${head}${parts.slice(from).join(",")}]}`;
  };
}
