import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ENCODINGS, codecFor, jsonCodec, msgpackCodec, negotiateEncoding } from "./codec.ts";
import { clientFrameArb, serverFrameArb } from "./arbitraries.ts";
import { guardClientFrame } from "./guards.ts";

describe("codecs", () => {
  for (const enc of ENCODINGS) {
    test(`every server frame round-trips through ${enc}`, () => {
      const codec = codecFor(enc);
      fc.assert(fc.property(serverFrameArb, (f) => { expect(codec.decode(toWire(codec.encode(f)))).toEqual(f); }), { numRuns: 500 });
    });
    test(`every client frame round-trips through ${enc}, and the guard accepts what it decodes`, () => {
      const codec = codecFor(enc);
      fc.assert(fc.property(clientFrameArb, (f) => {
        const back = codec.decode(toWire(codec.encode(f)));
        expect(back).toEqual(f);
        const g = guardClientFrame(back, { maxText: 10_000, maxCursors: 10_000, maxPage: 500 });
        if (!g.ok) throw new Error(`${g.code}: ${g.message} for ${JSON.stringify(f)}`);
        expect(g.frame.type).toBe(f.type);
      }), { numRuns: 500 });
    });
  }

  test("decoding arbitrary bytes or text either succeeds or throws a plain Error, never anything worse", () => {
    const mp = msgpackCodec({ maxPayload: 4096 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 64 }), (bytes, s) => {
      for (const attempt of [() => mp.decode(bytes), () => jsonCodec.decode(s), () => jsonCodec.decode(bytes)]) {
        try { attempt(); } catch (e) { expect(e).toBeInstanceOf(Error); }
      }
    }), { numRuns: 2000 });
  });

  test("a msgpack header that declares a huge array is refused without allocating it", () => {
    const mp = msgpackCodec({ maxPayload: 4096 });
    expect(() => mp.decode(new Uint8Array([0xdd, 0x04, 0x2c, 0x1d, 0x80]))).toThrow();
    expect(() => mp.decode(new Uint8Array([0xdb, 0x7f, 0xff, 0xff, 0xff]))).toThrow();
  });

  test("subprotocol negotiation: none means JSON, the first known offer wins, unknown offers are refused", () => {
    expect(negotiateEncoding(null)).toBe("json");
    expect(negotiateEncoding("hubbub.v1.msgpack, hubbub.v1.json")).toBe("msgpack");
    expect(negotiateEncoding("x, hubbub.v1.json")).toBe("json");
    expect(negotiateEncoding("chat.v9")).toBeUndefined();
  });
});

function toWire(d: string | Uint8Array): string | Uint8Array {
  return typeof d === "string" ? d : new Uint8Array(d); // a copy, as if from the network
}
