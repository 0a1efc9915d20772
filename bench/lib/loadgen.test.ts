import { describe, expect, test } from "bun:test";
import { codecFor } from "../../src/protocol/index.ts";
import { padFor, senderAndTime, senderAndTimeBinary } from "./loadgen.ts";

const event = (text: string) => ({
  type: "event" as const, stream: "room:bench", seq: 48213, pos: 1_204_233, at: 1_764_330_000_123,
  author: "u3", kind: "message" as const, body: { text }, cmid: "abc-3-1",
});

describe("the load generator reads sender and send time without decoding the frame", () => {
  for (const chars of [100, 1000]) {
    test(`from a ${chars}-character padded text, in both encodings`, () => {
      const text = `12|123456.789012|${padFor(chars)}`; // a sender and a performance.now() as the generator writes them
      expect(text.length).toBeGreaterThanOrEqual(chars - 5);
      expect(text.length).toBeLessThanOrEqual(chars + 5);
      expect(senderAndTime(codecFor("json").encode(event(text)) as string)).toEqual([12, 123456.789012]);
      expect(senderAndTimeBinary(codecFor("msgpack").encode(event(text)) as Uint8Array)).toEqual([12, 123456.789012]);
    });
  }
  for (const t of [0, 7.058083, 123456.789012, 98765432.5]) {
    test(`from a JSON event frame (t = ${t})`, () => {
      expect(senderAndTime(codecFor("json").encode(event(`3|${t}`)) as string)).toEqual([3, t]);
    });
    test(`from a MessagePack event frame (t = ${t})`, () => {
      const [from, sent] = senderAndTimeBinary(codecFor("msgpack").encode(event(`3|${t}`)) as Uint8Array)!;
      expect(from).toBe(3);
      expect(sent).toBeCloseTo(t, 6);
    });
  }

  test("a MessagePack text over 31 bytes (str8) is found too", () => {
    const t = 1234.5678901234567;
    const [from, sent] = senderAndTimeBinary(codecFor("msgpack").encode(event(`255|${t}`.padEnd(40, "0"))) as Uint8Array)!;
    expect(from).toBe(255);
    expect(sent).toBeCloseTo(t, 6);
  });

  test("from a baseline's relayed message and a Socket.IO event", () => {
    const m = JSON.stringify({ stream: "room:bench", seq: 4, author: "u9", kind: "message", body: { text: "9|12.5" }, cmid: "x" });
    expect(senderAndTime(m)).toEqual([9, 12.5]);
    expect(senderAndTime(`42${JSON.stringify(["msg", JSON.parse(m)])}`)).toEqual([9, 12.5]);
  });

  test("frames that are not message events are left for the codec", () => {
    expect(senderAndTime(codecFor("json").encode({ type: "ack", id: "join", stream: "room:bench", seq: 1, pos: 1 }) as string)).toBeUndefined();
    expect(senderAndTimeBinary(codecFor("msgpack").encode({ type: "ack", id: "join", stream: "room:bench", seq: 1, pos: 1 }) as Uint8Array)).toBeUndefined();
  });
});
