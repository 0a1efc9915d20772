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

/** The open containers' remaining counts; one shared stack (scans never nest or interleave: they are synchronous). */
let stack = new Float64Array(DEFAULT_MAX_DEPTH + 1);

const fail = (why: string): never => { throw new MsgpackScanError(why); };

/** Big-endian unsigned integer of `n` bytes at `at` (n ≤ 4; callers checked the bounds). */
function be(bytes: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + bytes[at + i]!;
  return v;
}

/** Throws MsgpackScanError unless the frame's headers are within the budget described above. Allocates nothing. */
export function scanMsgpack(bytes: Uint8Array, maxDepth = DEFAULT_MAX_DEPTH): void {
  const len = bytes.length;
  if (stack.length < maxDepth + 1) stack = new Float64Array(maxDepth + 1);
  const remaining = stack;
  remaining[0] = 1; // depth 0 = the root slot
  let depth = 0;
  let claimed = 0;
  let pos = 0;
  while (depth >= 0) {
    if (remaining[depth] === 0) { depth--; continue; }
    remaining[depth]!--;
    if (pos >= len) fail(`truncated frame at byte ${pos}`);
    const b = bytes[pos++]!;
    // What this value is: `entries` for a container, else `skip` bytes of payload after a `lenBytes`-long length.
    let entries = -1;
    let skip = 0;
    if (b <= 0x7f || b >= 0xe0) continue; // fixint
    else if (b <= 0x8f) entries = (b & 0x0f) * 2; // fixmap
    else if (b <= 0x9f) entries = b & 0x0f; // fixarray
    else if (b <= 0xbf) skip = b & 0x1f; // fixstr
    else {
      let lenBytes = 0; // a length field of 1, 2 or 4 bytes follows the header
      let extra = 0; // bytes besides the payload (ext's type byte)
      let fixed = -1; // a payload of known size
      let container = 0; // 1: array, 2: map (the length counts entries)
      switch (b) {
        case 0xc0: case 0xc1: case 0xc2: case 0xc3: continue; // nil, (never used: the decoder refuses it), false, true
        case 0xc4: case 0xd9: lenBytes = 1; break; // bin8, str8
        case 0xc5: case 0xda: lenBytes = 2; break; // bin16, str16
        case 0xc6: case 0xdb: lenBytes = 4; break; // bin32, str32
        case 0xc7: lenBytes = 1; extra = 1; break; // ext8: len, type, data
        case 0xc8: lenBytes = 2; extra = 1; break; // ext16
        case 0xc9: lenBytes = 4; extra = 1; break; // ext32
        case 0xca: fixed = 4; break; // float32
        case 0xcb: fixed = 8; break; // float64
        case 0xcc: case 0xd0: fixed = 1; break;
        case 0xcd: case 0xd1: fixed = 2; break;
        case 0xce: case 0xd2: fixed = 4; break;
        case 0xcf: case 0xd3: fixed = 8; break;
        case 0xd4: fixed = 2; break; // fixext1..16: type + data
        case 0xd5: fixed = 3; break;
        case 0xd6: fixed = 5; break;
        case 0xd7: fixed = 9; break;
        case 0xd8: fixed = 17; break;
        case 0xdc: lenBytes = 2; container = 1; break; // array16
        case 0xdd: lenBytes = 4; container = 1; break; // array32
        case 0xde: lenBytes = 2; container = 2; break; // map16
        case 0xdf: lenBytes = 4; container = 2; break; // map32
        default: fail(`unknown byte 0x${b.toString(16)}`); // unreachable: every byte is covered above
      }
      if (fixed >= 0) skip = fixed;
      else {
        if (pos + lenBytes > len) fail(`truncated frame at byte ${pos}`);
        const n = be(bytes, pos, lenBytes);
        pos += lenBytes;
        if (container) entries = n * container;
        else skip = n + extra;
      }
    }
    if (entries >= 0) {
      if (entries === 0) continue;
      claimed += entries;
      if (claimed > len) fail("the frame claims more entries than it has bytes");
      if (depth + 1 > maxDepth) fail(`nested deeper than ${maxDepth}`);
      remaining[++depth] = entries;
    } else {
      if (pos + skip > len) fail(`truncated frame at byte ${pos}`);
      pos += skip;
    }
  }
}
