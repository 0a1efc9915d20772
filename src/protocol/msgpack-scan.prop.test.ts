import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Decoder, Encoder } from "@msgpack/msgpack";
import { msgpackCodec } from "./codec.ts";
import { clientFrameArb, serverFrameArb } from "./arbitraries.ts";
import { scanMsgpack } from "./msgpack-scan.ts";

/** The decoder as it was before the pre-scan, with the same per-item limits. */
const plain = new Decoder({ maxStrLength: 1 << 20, maxBinLength: 0, maxExtLength: 0, maxArrayLength: 10_000, maxMapLength: 10_000 });
const outcome = (f: () => unknown): { ok: true; v: unknown } | { ok: false } => {
  try { return { ok: true, v: f() }; } catch { return { ok: false }; }
};

describe("msgpack pre-scan: properties", () => {
  const encoder = new Encoder({ ignoreUndefined: true });
  const codec = msgpackCodec({ maxPayload: 1 << 20 });

  test("every valid frame (protocol frames and any value up to the depth limit) decodes exactly as without the scan", () => {
    const value = fc.oneof(clientFrameArb.map((f) => f as unknown), serverFrameArb.map((f) => f as unknown), fc.jsonValue({ maxDepth: 8 }));
    fc.assert(fc.property(value, (v) => {
      const bytes = encoder.encode(v);
      // (Both refuse what the decoder always refuses, e.g. a `__proto__` key.)
      expect(outcome(() => codec.decode(new Uint8Array(bytes)))).toStrictEqual(outcome(() => plain.decode(bytes)));
    }), { numRuns: 1500, seed: 8 });
  });

  test("on arbitrary and mangled bytes the scan never throws a non-Error, and refuses only what claims too much or is broken", () => {
    const mangled = fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
      .map(([v, flips]) => { const b = encoder.encode(v); for (const [at, x] of flips) if (b.length) b[at % b.length] = x; return b; });
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mangled), (bytes) => {
      const scanned = outcome(() => scanMsgpack(bytes));
      const decoded = outcome(() => plain.decode(bytes));
      // The scan only adds refusals: whatever it lets through decodes as before, and it never passes a frame
      // whose claimed entries exceed its bytes (those would have been refused as truncated anyway, after allocating).
      if (scanned.ok) {
        const viaCodec = outcome(() => codec.decode(bytes));
        expect(viaCodec).toStrictEqual(decoded);
      } else if (decoded.ok) {
        // A frame the plain decoder accepts can only be refused for depth: it is complete, so its claims fit its bytes.
        expect(() => scanMsgpack(bytes, 1_000)).not.toThrow();
      }
    }), { numRuns: 3000, seed: 8 });
  });
});
