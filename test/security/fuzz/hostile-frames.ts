/**
 * What the adversarial fuzz sends: fast-check arbitraries of hostile WebSocket frames, each tagged
 * with the phase it is sent in (before or after hello). Seeded and sampled, so a run is replayable.
 */
import fc from "fast-check";
import { Encoder } from "@msgpack/msgpack";
import { clientFrameArb } from "../../../src/protocol/arbitraries.ts";
import type { Encoding } from "../../../src/protocol/index.ts";

export type Phase = "pre" | "post";
export interface HostileFrame { kind: string; phase: Phase; encoding: Encoding; data: string | Uint8Array<ArrayBuffer> }

const encoder = new Encoder({ ignoreUndefined: true, maxDepth: 1000 });
const u8 = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

function encode(encoding: Encoding, v: unknown): string | Uint8Array<ArrayBuffer> {
  if (encoding === "json") return JSON.stringify(v) ?? "null";
  return u8(encoder.encode(v));
}

const deep = (depth: number, leaf: unknown, wrap: (v: unknown) => unknown): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = wrap(v);
  return v;
};

/** Values of the wrong type or shape for any field. */
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.integer({ min: 4000, max: 20_000 }).map((n) => "x".repeat(n)),
  fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 53), fc.constant(-1), fc.constant(Number.MAX_VALUE)),
  fc.constant(null),
  fc.array(fc.nat(), { maxLength: 50 }),
  fc.integer({ min: 20, max: 300 }).map((d) => deep(d, 1, (v) => [v])),
  fc.integer({ min: 20, max: 300 }).map((d) => deep(d, "x", (v) => ({ a: v }))),
  fc.dictionary(fc.string({ maxLength: 20 }), fc.nat(), { maxKeys: 200 }),
);

/** A real frame of any type with one field (present or not) replaced by something wrong. */
const nearValid = (encoding: Encoding) => fc.tuple(clientFrameArb, fc.constantFrom("type", "id", "user", "token", "device", "client", "cursors", "room", "to", "cmid", "text", "stream", "seq", "before", "after", "limit", "t", "author", "private", "role", "visibility"), weirdValue, fc.nat())
  .map(([f, key, v, pick]) => {
    const keys = Object.keys(f);
    const k = pick % 3 === 0 ? key : keys[pick % keys.length]!;
    return encode(encoding, { ...f, [k]: v });
  });

/** Header-only MessagePack: nested arrays/maps claiming far more than the frame holds, huge str/bin/ext claims. */
const msgpackBomb: fc.Arbitrary<Uint8Array<ArrayBuffer>> = fc.oneof(
  // Nested array16/map16 headers, each claiming up to 65,535 entries.
  fc.tuple(fc.constantFrom(0xdc, 0xde), fc.integer({ min: 1, max: 65_535 }), fc.integer({ min: 1, max: 20_000 })).map(([h, n, levels]) => {
    const b = new Uint8Array(levels * 3);
    for (let i = 0; i < b.length; i += 3) { b[i] = h; b[i + 1] = n >> 8; b[i + 2] = n & 0xff; }
    return b;
  }),
  // array32/map32/str32/bin32/ext32 claiming up to 4 GiB, then a few bytes.
  fc.tuple(fc.constantFrom(0xdd, 0xdf, 0xdb, 0xc6, 0xc9), fc.nat({ max: 0xffffffff }), fc.uint8Array({ maxLength: 32 })).map(([h, n, tail]) => {
    const b = new Uint8Array(5 + tail.length);
    b[0] = h;
    new DataView(b.buffer).setUint32(1, n);
    b.set(tail, 5);
    return b;
  }),
  // A valid map whose values are bombs.
  fc.integer({ min: 1, max: 5000 }).map((n) => u8(new Uint8Array([0x81, 0xa4, 0x74, 0x79, 0x70, 0x65, ...Array.from({ length: n }, () => [0x91]).flat(), 0xc0]))),
);

/** Text that JSON.parse chokes on or that decodes to something huge or deep. */
const jsonBomb: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 100, max: 30_000 }).map((n) => "[".repeat(n) + "]".repeat(n)),
  fc.integer({ min: 100, max: 12_000 }).map((n) => '{"a":'.repeat(n) + "1" + "}".repeat(n)),
  fc.integer({ min: 1, max: 10_000 }).map((n) => `{"type":"send","text":"${"\\u0000".repeat(n)}"}`),
  fc.constantFrom("1e999999", "-", "\u0000", "{\"type\":\"hello\",\"__proto__\":{\"user\":\"x\"}}", "{\"type\":\"ping\",\"id\":1e400}"),
);

const randomBytes = fc.uint8Array({ maxLength: 512 }).map(u8);
const randomText = fc.string({ unit: "binary", maxLength: 512 });

/** One hostile frame for a connection of `encoding` in `phase`. Weights: mostly near-valid, some valid, the rest junk and bombs. */
export function hostileFrameArb(maxPayload: number): fc.Arbitrary<HostileFrame> {
  const oversize = fc.integer({ min: maxPayload + 1, max: maxPayload + 4096 });
  const body = (encoding: Encoding): fc.Arbitrary<{ kind: string; data: string | Uint8Array<ArrayBuffer> }> => fc.oneof(
    { weight: 40, arbitrary: nearValid(encoding).map((data) => ({ kind: "near-valid", data })) },
    { weight: 15, arbitrary: clientFrameArb.map((f) => ({ kind: "valid", data: encode(encoding, f) })) },
    { weight: 10, arbitrary: randomBytes.map((data) => ({ kind: "random-bytes", data })) },
    { weight: 10, arbitrary: randomText.map((data) => ({ kind: "random-text", data })) },
    { weight: 10, arbitrary: msgpackBomb.map((data) => ({ kind: "msgpack-bomb", data })) },
    { weight: 8, arbitrary: jsonBomb.map((data) => ({ kind: "json-bomb", data })) },
    { weight: 1, arbitrary: oversize.map((n) => ({ kind: "oversize", data: encoding === "json" ? "x".repeat(n) : new Uint8Array(n) })) },
  );
  return fc.tuple(fc.constantFrom<Encoding>("json", "msgpack"), fc.constantFrom<Phase>("pre", "post", "post"))
    .chain(([encoding, phase]) => body(encoding).map((b) => ({ ...b, encoding, phase })));
}

export function sampleFrames(n: number, seed: number, maxPayload: number): HostileFrame[] {
  return fc.sample(hostileFrameArb(maxPayload), { numRuns: n, seed });
}
