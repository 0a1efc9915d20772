/**
 * A header pre-scan run before @msgpack/msgpack decodes untrusted bytes.
 *
 * Why: the decoder preallocates `new Array(n)` for every array header it reads, trusting the
 * claimed `n`. Per-array limits do not help: a 64 KB frame of nested `array16` headers, each
 * claiming 10,000 entries, passes every one of them and still allocates 80 KB per level
 * (≈1.7 GB for the frame). This scan walks only the headers — no allocation, no string
 * decoding — and refuses the frame unless
 *   - the total of claimed array entries and map keys+values is at most the frame's length
 *     (every value takes at least one byte, so no valid frame claims more: the decoder then
 *     allocates at most ~8 bytes per byte received),
 *   - every str/bin/ext claims no more bytes than are left in the frame,
 *   - containers nest at most `maxDepth` deep.
 * Trailing bytes, bad bytes (0xc1) and what the decoder's own limits refuse are left to it.
 */

export class MsgpackScanError extends Error {}

/** Deep enough for every protocol frame (the deepest, `page`, nests 4) with room to grow. */
export const DEFAULT_MAX_DEPTH = 16;

export function scanMsgpack(bytes: Uint8Array, maxDepth = DEFAULT_MAX_DEPTH): void {
  const len = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // remaining[d] = values still expected by the container open at depth d (depth 0 = the root slot).
  const remaining: number[] = [1];
  let depth = 0;
  let claimed = 0;
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > len) throw new MsgpackScanError(`truncated frame at byte ${pos}`);
  };
  const open = (entries: number) => {
    if (entries === 0) return;
    claimed += entries;
    if (claimed > len) throw new MsgpackScanError("the frame claims more entries than it has bytes");
    if (depth + 1 > maxDepth) throw new MsgpackScanError(`nested deeper than ${maxDepth}`);
    remaining[++depth] = entries;
  };
  const skip = (n: number) => {
    need(n);
    pos += n;
  };

  while (depth >= 0) {
    if (remaining[depth] === 0) {
      depth--;
      continue;
    }
    remaining[depth]!--;
    need(1);
    const b = bytes[pos++]!;
    if (b <= 0x7f || b >= 0xe0) continue; // fixint
    if (b <= 0x8f) { open((b & 0x0f) * 2); continue; } // fixmap
    if (b <= 0x9f) { open(b & 0x0f); continue; } // fixarray
    if (b <= 0xbf) { skip(b & 0x1f); continue; } // fixstr
    switch (b) {
      case 0xc0: case 0xc1: case 0xc2: case 0xc3: break; // nil, (never used: the decoder refuses it), false, true
      case 0xc4: case 0xd9: need(1); skip(bytes[pos++]!); break; // bin8, str8
      case 0xc5: case 0xda: need(2); pos += 2; skip(view.getUint16(pos - 2)); break; // bin16, str16
      case 0xc6: case 0xdb: need(4); pos += 4; skip(view.getUint32(pos - 4)); break; // bin32, str32
      case 0xc7: need(1); skip(1 + bytes[pos]! + 1); break; // ext8: len, type, data
      case 0xc8: need(2); skip(2 + view.getUint16(pos) + 1); break; // ext16
      case 0xc9: need(4); skip(4 + view.getUint32(pos) + 1); break; // ext32
      case 0xca: skip(4); break; // float32
      case 0xcb: skip(8); break; // float64
      case 0xcc: case 0xd0: skip(1); break;
      case 0xcd: case 0xd1: skip(2); break;
      case 0xce: case 0xd2: skip(4); break;
      case 0xcf: case 0xd3: skip(8); break;
      case 0xd4: skip(2); break; // fixext1..16: type + data
      case 0xd5: skip(3); break;
      case 0xd6: skip(5); break;
      case 0xd7: skip(9); break;
      case 0xd8: skip(17); break;
      case 0xdc: need(2); pos += 2; open(view.getUint16(pos - 2)); break; // array16
      case 0xdd: need(4); pos += 4; open(view.getUint32(pos - 4)); break; // array32
      case 0xde: need(2); pos += 2; open(view.getUint16(pos - 2) * 2); break; // map16
      case 0xdf: need(4); pos += 4; open(view.getUint32(pos - 4) * 2); break; // map32
      default: throw new MsgpackScanError(`unknown byte 0x${b.toString(16)}`); // unreachable: every byte is covered above
    }
  }
}
