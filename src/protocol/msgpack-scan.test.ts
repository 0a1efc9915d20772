import { describe, expect, test } from "bun:test";
import { encode } from "@msgpack/msgpack";
import { msgpackCodec } from "./codec.ts";
import { scanMsgpack } from "./msgpack-scan.ts";
import { nestedArray16Bomb } from "./arbitraries.ts";

describe("msgpack header pre-scan", () => {
  test("the nested array16 bomb is refused quickly, without the decoder allocating", () => {
    const codec = msgpackCodec({ maxPayload: 64 * 1024 });
    const bomb = nestedArray16Bomb();
    Bun.gc(true);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) expect(() => codec.decode(bomb)).toThrow("more entries than it has bytes");
    const ms = performance.now() - t0;
    const grown = process.memoryUsage().rss - rss0;
    expect(grown).toBeLessThan(10 * 1024 * 1024);
    expect(ms).toBeLessThan(1000); // 20 refusals; today's main takes seconds and GBs for one
  });

  test("refuses claims larger than the frame, depth past the limit, and truncated strings", () => {
    expect(() => scanMsgpack(new Uint8Array([0xdd, 0x04, 0x2c, 0x1d, 0x80]))).toThrow("more entries");
    expect(() => scanMsgpack(new Uint8Array([0xdf, 0x00, 0x00, 0x80, 0x00]))).toThrow("more entries");
    expect(() => scanMsgpack(new Uint8Array([0xdb, 0xff, 0xff, 0xff, 0xff, 0x61]))).toThrow("truncated");
    expect(() => scanMsgpack(new Uint8Array([0xc6, 0x00, 0x10, 0x00, 0x00]))).toThrow("truncated");
    const deep = (n: number): unknown => (n === 0 ? 1 : [deep(n - 1)]);
    expect(() => scanMsgpack(encode(deep(16)))).not.toThrow();
    expect(() => scanMsgpack(encode(deep(17)))).toThrow("deeper than 16");
    expect(() => scanMsgpack(encode(deep(17)), 17)).not.toThrow();
  });

  test("accepts every shape the encoder makes, at exactly the claims its bytes can hold", () => {
    const samples: unknown[] = [
      null, true, 0, -1, 255, 65536, 2 ** 40, -(2 ** 40), 1.5, "", "x".repeat(40), "y".repeat(300), "z".repeat(70_000),
      [], {}, new Array(20).fill(0), new Array(70_000).fill(1), Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])),
      new Uint8Array(3), new Uint8Array(300), new Uint8Array(70_000),
    ];
    for (const v of samples) expect(() => scanMsgpack(encode(v))).not.toThrow();
  });
});
