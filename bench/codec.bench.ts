/** 4. Codecs: JSON vs MessagePack on the real frames — encode and decode rates, bytes per frame. */
import { Decoder, Encoder } from "@msgpack/msgpack";
import { codecFor, type ClientFrame, type Codec, type ServerFrame } from "../src/protocol/index.ts";
import { fmt, fmtSpread, spread, table, type Spread } from "./lib/stats.ts";
import type { BenchOptions, Section } from "./lib/section.ts";

const FRAMES: Record<string, ServerFrame | ClientFrame> = {
  "event (message)": { type: "event", stream: "room:lobby", seq: 48213, pos: 1_204_233, at: 1_764_330_000_123, author: "alice", kind: "message", body: { text: "see you at the standup in ten minutes" }, cmid: "6f1c0c9e-3d4b-4a0e-9d62-0c1c8f6e9a11" },
  ack: { type: "ack", id: 812, stream: "room:lobby", seq: 48213, pos: 1_204_233 },
  "send (client)": { type: "send", id: 812, to: { room: "lobby" }, cmid: "6f1c0c9e-3d4b-4a0e-9d62-0c1c8f6e9a11", text: "see you at the standup in ten minutes" },
  "welcome (12 streams)": {
    type: "welcome", user: "alice", device: "web-4f2a", epoch: "6ce27fea-84dc-4e12-b393-f897f93e1679", heartbeatMs: 10_000, limits: { maxPayload: 65536, maxText: 4000 },
    streams: Array.from({ length: 12 }, (_, i) => ({ stream: `room:team-${i}`, kind: "room" as const, name: `team-${i}`, head: 1000 + i * 37, unread: i, mentions: i % 3 })),
    reads: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`room:team-${i}`, 990 + i * 37])),
  },
};

function rate(fn: () => void, ms: number): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
    t = performance.now();
  }
  return n / ((t - t0) / 1000);
}

/**
 * @msgpack/msgpack alone, with the server's limits: the reference the wire's faster MessagePack
 * paths (src/protocol/msgpack-encode.ts, msgpack-decode.ts) must match byte for byte, kept in
 * the table so what they gain stays visible.
 */
function referenceMsgpack(): Codec {
  const encoder = new Encoder({ ignoreUndefined: true });
  const decoder = new Decoder({ maxStrLength: 1 << 20, maxBinLength: 0, maxExtLength: 0, maxArrayLength: 10_000, maxMapLength: 10_000 });
  return { encoding: "msgpack", encode: (f) => encoder.encode(f), decode: (d) => decoder.decode(d as Uint8Array) };
}

const CODECS: [string, () => Codec][] = [["json", () => codecFor("json")], ["msgpack", () => codecFor("msgpack")], ["msgpack (@msgpack/msgpack alone)", referenceMsgpack]];

interface Row { frame: string; encoding: string; bytes: number; encode: Spread; decode: Spread }

export async function codec(o: BenchOptions): Promise<Section> {
  const reps = o.reps ?? (o.quick ? 2 : 5);
  const ms = o.quick ? 100 : 300;
  const rows: Row[] = [];
  for (const [name, frame] of Object.entries(FRAMES)) {
    for (const [enc, make] of CODECS) {
      const c = make();
      const wire = c.encode(frame);
      const bytes = typeof wire === "string" ? new TextEncoder().encode(wire).length : wire.length;
      const encodes: number[] = [];
      const decodes: number[] = [];
      for (let r = 0; r < reps; r++) {
        encodes.push(rate(() => c.encode(frame), ms));
        decodes.push(rate(() => c.decode(wire), ms));
      }
      rows.push({ frame: name, encoding: enc, bytes, encode: spread(encodes), decode: spread(decodes) });
    }
  }
  const md = table(["frame", "encoding", "bytes", "encode ops/s median (min–max)", "decode ops/s median (min–max)", "size vs JSON", "encode vs JSON", "decode vs JSON"],
    rows.map((r) => {
      const j = rows.find((x) => x.frame === r.frame && x.encoding === "json")!;
      return [r.frame, r.encoding, fmt(r.bytes), fmtSpread(r.encode), fmtSpread(r.decode),
        fmt(r.bytes / j.bytes, 2), fmt(r.encode.median / j.encode.median, 2), fmt(r.decode.median / j.decode.median, 2)];
    }));
  return {
    name: "codec", title: "4. Codecs: JSON vs MessagePack",
    markdown: `In-process, ${reps} runs of ${ms} ms per cell, one reused codec per encoding (as the server uses them). "msgpack" is what the server runs (its own encoder and decoder for the common shapes, byte-compatible with @msgpack/msgpack, which handles the rest; the decoder after the untrusted-input pre-scan); "@msgpack/msgpack alone" is the reference library by itself, without the pre-scan.\n\n${md}`,
    json: rows,
  };
}
