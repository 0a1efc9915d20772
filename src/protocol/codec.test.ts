import { describe, expect, test } from "bun:test";
import { Encoder } from "@msgpack/msgpack";
import { SUBPROTOCOLS, codecFor, jsonCodec, msgpackCodec, negotiateEncoding } from "./codec.ts";

const bytes = (...b: number[]) => new Uint8Array(b);
const utf8 = (s: string) => [...new TextEncoder().encode(s)];
/** msgpack fixstr header + bytes, for strings shorter than 32 bytes. */
const fixstr = (s: string) => [0xa0 | utf8(s).length, ...utf8(s)];

describe("JSON codec", () => {
  test("encodes to text and decodes text, bytes and ArrayBuffers alike", () => {
    const f = { type: "ping", id: 1, t: 2.5 };
    const wire = jsonCodec.encode(f);
    expect(typeof wire).toBe("string");
    expect(jsonCodec.decode(wire)).toEqual(f);
    const b = new TextEncoder().encode(wire as string);
    expect(jsonCodec.decode(b)).toEqual(f);
    expect(jsonCodec.decode(b.buffer)).toEqual(f);
  });

  test("undefined fields are not sent", () => {
    expect(jsonCodec.encode({ type: "ack", id: undefined, seq: 1 })).toBe('{"type":"ack","seq":1}');
  });

  test("malformed input throws an Error: bad JSON, invalid UTF-8, deep nesting", () => {
    for (const input of ["", "{", "{'a':1}", "[1,]", "NaN", "\u0000"]) expect(() => jsonCodec.decode(input)).toThrow(Error);
    expect(() => jsonCodec.decode(bytes(0x7b, 0xff, 0x7d))).toThrow(Error); // "{\xff}"
    expect(() => jsonCodec.decode(bytes(0x22, 0xed, 0xa0, 0x80, 0x22))).toThrow(Error); // an encoded lone surrogate
    const deep = "[".repeat(1_000_000) + "]".repeat(1_000_000);
    try { jsonCodec.decode(deep); } catch (e) { expect(e).toBeInstanceOf(Error); }
  });

  test("a lone surrogate survives JSON (it is escaped), so text is carried as sent", () => {
    const f = { type: "send", text: "a\ud800b" };
    expect(jsonCodec.decode(jsonCodec.encode(f))).toEqual(f);
  });
});

describe("MessagePack codec", () => {
  const mp = msgpackCodec({ maxPayload: 64 });

  test("encodes to bytes and decodes Uint8Arrays and ArrayBuffers; undefined fields are not sent", () => {
    const wire = mp.encode({ type: "ack", id: undefined, seq: 1, f: 0.5, big: 2 ** 40, neg: -3, s: "é\ud83d\ude00" });
    expect(wire).toBeInstanceOf(Uint8Array);
    const back = mp.decode(wire as Uint8Array);
    expect(back).toStrictEqual({ type: "ack", seq: 1, f: 0.5, big: 2 ** 40, neg: -3, s: "é\ud83d\ude00" });
    const copy = new Uint8Array(wire as Uint8Array).buffer;
    expect(mp.decode(copy)).toStrictEqual(back as object);
  });

  test("a text frame on a msgpack connection is refused", () => {
    expect(() => mp.decode('{"type":"ping"}')).toThrow("text frame on a msgpack connection");
  });

  test("bin and ext values are refused, so no binary or custom type reaches the guards", () => {
    expect(() => mp.decode(bytes(0x81, ...fixstr("a"), 0xc4, 0x01, 0x00))).toThrow(Error); // bin8 of 1 byte
    expect(() => mp.decode(bytes(0xd4, 0x01, 0x00))).toThrow(Error); // fixext1
    expect(() => mp.decode(bytes(0xd6, 0xff, 0, 0, 0, 1))).toThrow(Error); // timestamp ext
  });

  test("headers declaring more than the limits are refused before anything is allocated", () => {
    expect(() => mp.decode(bytes(0xdd, 0x7f, 0xff, 0xff, 0xff))).toThrow(Error); // array32 of 2^31-1
    expect(() => mp.decode(bytes(0xdf, 0x7f, 0xff, 0xff, 0xff))).toThrow(Error); // map32
    expect(() => mp.decode(bytes(0xdb, 0x7f, 0xff, 0xff, 0xff))).toThrow(Error); // str32
    expect(() => mp.decode(bytes(0xdc, 0x27, 0x11))).toThrow(Error); // array16 of 10,001 > 10,000
    expect(() => mp.decode(bytes(0xd9, 65, ...new Array(65).fill(0x61)))).toThrow(Error); // a 65-byte string, maxPayload 64
    expect(mp.decode(bytes(0xd9, 64, ...new Array(64).fill(0x61)))).toBe("a".repeat(64));
  });

  test("__proto__ keys are refused (no prototype pollution), and a frame is exactly one value", () => {
    expect(() => mp.decode(bytes(0x81, ...fixstr("__proto__"), 0x81, ...fixstr("x"), 0x01))).toThrow(Error);
    expect(() => mp.decode(bytes(0x01, 0x02))).toThrow(Error); // trailing bytes
    expect(() => mp.decode(bytes())).toThrow(Error);
    expect(() => mp.decode(bytes(0x92, 0x01))).toThrow(Error); // truncated array
    expect(() => mp.decode(bytes(0xc1))).toThrow(Error); // never-used byte
  });

  test("deep nesting decodes without blowing the stack", () => {
    const deep = new Uint8Array(100_001).fill(0x91);
    deep[100_000] = 0xc0;
    let v: unknown;
    try { v = msgpackCodec().decode(deep); } catch (e) { expect(e).toBeInstanceOf(Error); }
    if (v !== undefined) expect(Array.isArray(v)).toBe(true);
  });

  test("each connection's codec is independent, and the default limits apply when none are given", () => {
    const a = codecFor("msgpack", { maxPayload: 4 });
    const b = codecFor("msgpack");
    const s = new Encoder().encode("hello world");
    expect(() => a.decode(s)).toThrow(Error);
    expect(b.decode(s)).toBe("hello world");
    expect(codecFor("json")).toBe(jsonCodec);
    expect(a.encoding).toBe("msgpack");
  });
});

describe("subprotocol negotiation", () => {
  test("no header (or an empty one) means JSON", () => {
    for (const h of [null, undefined, "", "   "]) expect(negotiateEncoding(h)).toBe("json");
  });
  test("the first offered protocol we speak wins, with or without spaces", () => {
    expect(negotiateEncoding("hubbub.v1.msgpack")).toBe("msgpack");
    expect(negotiateEncoding("hubbub.v1.json,hubbub.v1.msgpack")).toBe("json");
    expect(negotiateEncoding(" x ,  hubbub.v1.msgpack , hubbub.v1.json")).toBe("msgpack");
  });
  test("only unknown offers mean refuse; names are exact and case-sensitive", () => {
    for (const h of ["chat.v9", "HUBBUB.V1.JSON", "hubbub.v2.json", "hubbub.v1", ","]) expect(negotiateEncoding(h)).toBeUndefined();
    expect(Object.values(SUBPROTOCOLS)).toEqual(["hubbub.v1.json", "hubbub.v1.msgpack"]);
  });
});
