import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Encoder } from "@msgpack/msgpack";
import { ENCODINGS, codecFor, eventTails, jsonCodec, msgpackCodec } from "./codec.ts";
import { clientFrameArb, eventDataArb, serverFrameArb } from "./arbitraries.ts";
import { eventsFrame } from "./frames.ts";
import { guardClientFrame } from "./guards.ts";
import type { ClientFrameType, ServerFrameType } from "./frames.ts";

const CLIENT_TYPES: ClientFrameType[] = ["hello", "join", "leave", "send", "edit", "delete", "history", "read", "typing", "ping", "rooms", "who", "whois", "search", "topic", "react",
  "invite", "uninvite", "kick", "ban", "unban", "set_role", "set_visibility", "room_info"];
const SERVER_TYPES: ServerFrameType[] = ["welcome", "event", "events", "ack", "synced", "truncated", "presence", "typing", "page", "room_list", "error", "pong", "user_info", "search_results", "room_settings"];
const limits = { maxText: 10_000, maxCursors: 10_000, maxPage: 500 };

function toWire(d: string | Uint8Array): string | Uint8Array {
  return typeof d === "string" ? d : new Uint8Array(d); // a copy, as if from the network
}

describe("codecs: the tails of a commit's events (eventTails)", () => {
  for (const enc of ENCODINGS) {
    test(`every tail is byte for byte the ${enc} encoding of its frame (events, or event for the last alone), and decodes to it`, () => {
      const codec = codecFor(enc);
      fc.assert(fc.property(fc.array(eventDataArb, { minLength: 1, maxLength: 6 }), (arb) => {
        const events = arb.map((e, i) => ({ ...e, stream: arb[0]!.stream, seq: arb[0]!.seq + i })); // one stream, consecutive
        const tails = eventTails(codec, events);
        for (let from = events.length - 1; from >= 0; from--) {
          const frame = eventsFrame(events.slice(from));
          const wire = tails(from);
          expect(wire).toEqual(codec.encode(frame));
          expect(codec.decode(toWire(wire))).toStrictEqual(JSON.parse(JSON.stringify(frame)));
          expect(frame.type).toBe(from === events.length - 1 ? "event" : "events");
        }
      }), { numRuns: 300 });
    });
  }
});

describe("codecs: round-trip", () => {
  for (const enc of ENCODINGS) {
    test(`every server frame type round-trips through ${enc}`, () => {
      const codec = codecFor(enc);
      const seen = new Set<string>();
      fc.assert(fc.property(serverFrameArb, (f) => {
        seen.add(f.type);
        expect(codec.decode(toWire(codec.encode(f)))).toStrictEqual(f);
      }), { numRuns: 500 });
      expect([...seen].sort()).toEqual([...SERVER_TYPES].sort());
    });

    test(`every client frame type round-trips through ${enc}, and the guard accepts what it decodes`, () => {
      const codec = codecFor(enc);
      const seen = new Set<string>();
      // More rounds only while some frame type has not come up yet: a rare type missing from one
      // round of 500 must not fail the run (it once did), and coverage is still checked below.
      for (let round = 0; round < 10 && seen.size < CLIENT_TYPES.length; round++) fc.assert(fc.property(clientFrameArb, (f) => {
        seen.add(f.type);
        const back = codec.decode(toWire(codec.encode(f)));
        expect(back).toStrictEqual(f);
        const g = guardClientFrame(back, limits);
        if (!g.ok) throw new Error(`${g.code}: ${g.message} for ${JSON.stringify(f)}`);
        // The guard keeps every field (toEqual: it spells out absent ones as undefined) and fills history's default limit.
        expect(g.frame).toEqual(f.type === "history" ? { ...f, limit: f.limit ?? 50 } : f);
      }), { numRuns: 500 });
      expect([...seen].sort()).toEqual([...CLIENT_TYPES].sort());
    });
  }

  test("both encodings carry the same frame to the same value", () => {
    const [json, mp] = [codecFor("json"), codecFor("msgpack")];
    fc.assert(fc.property(fc.oneof(serverFrameArb, clientFrameArb), (f) => {
      expect(mp.decode(toWire(mp.encode(f)))).toStrictEqual(json.decode(json.encode(f)) as object);
    }), { numRuns: 300 });
  });
});

describe("codecs: hostile input", () => {
  test("decoding arbitrary bytes or text either succeeds or throws an Error, and the guard then never throws", () => {
    const mp = msgpackCodec({ maxPayload: 4096 });
    const pipeline = (decode: () => unknown) => {
      let v: unknown;
      try { v = decode(); } catch (e) { expect(e).toBeInstanceOf(Error); return; }
      expect(typeof guardClientFrame(v).ok).toBe("boolean");
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 64, unit: "binary" }), (bytes, s) => {
      pipeline(() => mp.decode(bytes));
      pipeline(() => mp.decode(bytes.buffer as ArrayBuffer));
      pipeline(() => mp.decode(s));
      pipeline(() => jsonCodec.decode(s));
      pipeline(() => jsonCodec.decode(bytes));
    }), { numRuns: 2000 });
  });

  test("corrupted encodings of real frames and of arbitrary values never throw anything but an Error", () => {
    const mp = msgpackCodec({ maxPayload: 4096 });
    const raw = new Encoder();
    const value = fc.oneof(clientFrameArb.map((f) => f as unknown), fc.jsonValue({ maxDepth: 4 }));
    fc.assert(fc.property(value, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), (v, flips, cut) => {
      const b = raw.encode(v);
      for (const [at, byte] of flips) if (b.length > 0) b[at % b.length] = byte;
      const bytes = b.subarray(0, b.length === 0 ? 0 : 1 + (cut % b.length));
      const text = JSON.stringify(v) ?? "";
      const mangled = text.slice(0, 1 + (cut % Math.max(1, text.length)));
      for (const decode of [() => mp.decode(bytes), () => jsonCodec.decode(mangled)]) {
        let out: unknown;
        try { out = decode(); } catch (e) { expect(e).toBeInstanceOf(Error); continue; }
        expect(typeof guardClientFrame(out).ok).toBe("boolean");
      }
    }), { numRuns: 1500 });
  });
});
