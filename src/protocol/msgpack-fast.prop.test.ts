/**
 * The fast MessagePack paths (msgpack-encode.ts, msgpack-decode.ts) against the reference,
 * @msgpack/msgpack: byte for byte when encoding, the same value (or the same refusal) when decoding.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Decoder, Encoder } from "@msgpack/msgpack";
import { clientFrameArb, eventDataArb, serverFrameArb } from "./arbitraries.ts";
import { encodeMsgpack } from "./msgpack-encode.ts";
import { decodeMsgpack } from "./msgpack-decode.ts";
import { msgpackCodec } from "./codec.ts";
import { eventFrame } from "./frames.ts";

const refEncoder = new Encoder({ ignoreUndefined: true });
const refEncode = (v: unknown) => refEncoder.encode(v);
const limits = { maxStrLength: 1 << 20, maxArrayLength: 10_000, maxMapLength: 10_000 };
const refDecoder = new Decoder({ ...limits, maxBinLength: 0, maxExtLength: 0 });
const refDecode = (b: Uint8Array) => refDecoder.decode(b);
/** Fails loudly if the fast path used the reference: a case that must be handled by the fast path itself. */
const noFallback = () => { throw new Error("fell back to the reference"); };

/** Strings around every length where either side changes method or header: 31/32, 50/51, 200/201, 255/256. */
const edgeString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.integer({ min: 0, max: 300 }).chain((n) => fc.string({ unit: "binary", minLength: n, maxLength: n })),
  fc.integer({ min: 25, max: 260 }).map((n) => "x".repeat(n)),
  fc.integer({ min: 25, max: 260 }).chain((n) => fc.constantFrom("é", "€", "😀", "\ud800", "\udc00").map((c) => "a".repeat(n) + c)),
  // Up to 50 units the reference writes a lone surrogate as raw bytes (not UTF-8), and its decoder reads them back.
  fc.integer({ min: 1, max: 49 }).chain((k) => fc.constantFrom("\ud800", "\udfff", "\ufeff").map((c) => c + "€".repeat(k) + c)),
  fc.constantFrom("\ufeffbom", "\ufeff" + "b".repeat(250), "x".repeat(65_535), "é".repeat(40_000)),
);
const edgeNumber = fc.oneof(
  fc.integer({ min: -0x80000000 * 4, max: 0x100000000 * 4 }),
  fc.constantFrom(0, -0, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, -32, -33, -128, -129, -32_768, -32_769, -(2 ** 31), -(2 ** 31) - 1,
    Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 53, -(2 ** 53), 0.5, NaN, Infinity, -Infinity),
  fc.double(),
  fc.maxSafeInteger(),
);
/** JSON-like values with the edge strings and numbers, undefined in objects and arrays, and nulls. */
const valueArb = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, edgeString, edgeNumber, fc.boolean(), fc.constant(null), fc.constant(undefined),
    fc.array(tie("value"), { maxLength: 20 }), fc.dictionary(edgeString, tie("value"), { maxKeys: 20 })),
})).value;

describe("fast MessagePack encoder", () => {
  test("writes @msgpack/msgpack's bytes for every server and client frame", () => {
    fc.assert(fc.property(fc.oneof(serverFrameArb, clientFrameArb, eventDataArb), (f) => {
      expect(encodeMsgpack(f, noFallback)).toEqual(refEncode(f));
    }), { numRuns: 2000 });
  });

  test("writes @msgpack/msgpack's bytes for any JSON-like value (edge lengths, lone surrogates, every integer width, undefined)", () => {
    fc.assert(fc.property(valueArb, (v) => {
      expect(encodeMsgpack(v, refEncode)).toEqual(refEncode(v));
    }), { numRuns: 2000 });
  });

  test("writes @msgpack/msgpack's bytes for event and ack frames as the server builds them (optional keys present, absent or undefined)", () => {
    const ack = fc.record({ id: fc.option(fc.oneof(fc.integer(), fc.string()), { nil: undefined }), seq: fc.nat(), pos: fc.nat(), duplicate: fc.option(fc.constant(true), { nil: undefined }), stream: fc.string() })
      .map(({ id, seq, pos, duplicate, stream }) => {
        const f: Record<string, unknown> = { type: "ack", id, stream, seq, pos }; // ackFrame (actors/replies.ts): id may be undefined
        if (duplicate) f.duplicate = true;
        return f;
      });
    const event = fc.tuple(eventDataArb, fc.boolean()).map(([e, undefinedCmid]) => {
      const f: Record<string, unknown> = { ...eventFrame(e) };
      if (undefinedCmid && f.cmid === undefined) f.cmid = undefined;
      return f;
    });
    const damaged = fc.tuple(fc.oneof(ack, event), fc.constantFrom("type", "stream", "seq", "pos", "at", "author", "kind", "body"))
      .map(([f, k]) => (k in f ? { ...f, [k]: undefined } : f));
    fc.assert(fc.property(fc.oneof(ack, event, damaged), (f) => {
      expect(encodeMsgpack(f, noFallback)).toEqual(refEncode(f));
    }), { numRuns: 2000 });
  });

  test("hands what it does not handle (a Date, bytes, a class instance) to the reference, whole", () => {
    class Thing { a = 1; }
    for (const v of [{ at: new Date(0) }, [new Uint8Array([1, 2])], { t: new Thing() }]) {
      let used = 0;
      const out = encodeMsgpack(v, (x) => { used++; return refEncode(x); });
      expect(used).toBe(1);
      expect(out).toEqual(refEncode(v));
    }
  });

  test("returns a copy: the next encode does not change bytes already handed out", () => {
    const a = encodeMsgpack({ type: "ack", seq: 1 }, noFallback);
    const copy = new Uint8Array(a);
    encodeMsgpack({ type: "event", text: "x".repeat(5000) }, noFallback);
    expect(a).toEqual(copy);
  });
});

/** What a decode gives: the value, or that it threw. */
function outcome(fn: () => unknown): { ok: true; value: unknown } | { ok: false } {
  try { return { ok: true, value: fn() }; } catch { return { ok: false }; }
}

describe("fast MessagePack decoder", () => {
  test("decodes every frame the reference decodes, to the same value, without the reference", () => {
    fc.assert(fc.property(fc.oneof(clientFrameArb, serverFrameArb), (f) => {
      const bytes = refEncode(f);
      expect(decodeMsgpack(bytes, limits, noFallback)).toStrictEqual(refDecode(bytes));
    }), { numRuns: 2000 });
  });

  test("gives the reference's value or refusal for any JSON-like value's bytes", () => {
    fc.assert(fc.property(valueArb, (v) => {
      const bytes = refEncode(v);
      expect(outcome(() => decodeMsgpack(bytes, limits, refDecode))).toStrictEqual(outcome(() => refDecode(bytes)));
    }), { numRuns: 1000 });
  });

  test("gives the reference's value or refusal for damaged frames and random bytes", () => {
    const damaged = fc.tuple(fc.oneof(clientFrameArb, serverFrameArb), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat()).map(([f, at, byte, cut]) => {
      const b = refEncode(f);
      b[at % b.length] = byte;
      return b.subarray(0, b.length - (cut % 3));
    });
    fc.assert(fc.property(fc.oneof(damaged, fc.uint8Array({ maxLength: 64 })), (bytes) => {
      expect(outcome(() => decodeMsgpack(bytes, limits, refDecode))).toStrictEqual(outcome(() => refDecode(bytes)));
    }), { numRuns: 5000 });
  });

  test("decodes strings of 199-202 bytes with a BOM, a raw surrogate or a bad byte as the reference does", () => {
    for (const n of [16, 17, 199, 200, 201, 202]) {
      for (const head of [[0xef, 0xbb, 0xbf], [0xed, 0xa0, 0x80], [0xff], [0xc3, 0xa9]]) {
        const body = [...head, ...new Array(n - head.length).fill(0x61)];
        const bytes = Uint8Array.of(0xd9, n, ...body);
        expect(outcome(() => decodeMsgpack(bytes, limits, refDecode))).toStrictEqual(outcome(() => refDecode(bytes)));
      }
    }
  });

  test("leaves invalid UTF-8, bin, ext, non-string keys, __proto__, over-limit and trailing bytes to the reference", () => {
    const cases = [
      Uint8Array.of(0xa2, 0xc3, 0x28), // invalid UTF-8 in a short string
      Uint8Array.of(0xc4, 0x01, 0x00), // bin
      Uint8Array.of(0xd4, 0x01, 0x00), // fixext 1
      Uint8Array.of(0x81, 0x01, 0x02), // {1: 2}
      Uint8Array.of(0x81, 0xa9, ...new TextEncoder().encode("__proto__"), 0xc0),
      Uint8Array.of(0xc0, 0xc0), // trailing byte
      Uint8Array.of(0x92, 0x01), // truncated
    ];
    for (const bytes of cases) {
      let used = 0;
      const got = outcome(() => decodeMsgpack(bytes, limits, (b) => { used++; return refDecode(b); }));
      expect(used).toBe(1);
      expect(got).toStrictEqual(outcome(() => refDecode(bytes)));
    }
    const small = { maxStrLength: 3, maxArrayLength: 1, maxMapLength: 1 };
    for (const v of ["abcd", [1, 2], { a: 1, b: 2 }]) {
      let used = 0;
      decodeMsgpack(refEncode(v), small, () => { used++; });
      expect(used).toBe(1);
    }
  });

  test("the codec still refuses what the pre-scan refuses, before decoding", () => {
    const codec = msgpackCodec({ maxPayload: 1 << 16 });
    expect(() => codec.decode(Uint8Array.of(0xdc, 0xff, 0xff))).toThrow();
  });
});
