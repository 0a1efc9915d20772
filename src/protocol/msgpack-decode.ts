/**
 * A MessagePack decoder for client frames that returns what @msgpack/msgpack's `Decoder` returns
 * (with the codec's limits), only cheaper. In a profile of the fan-out load (N = 64,
 * MessagePack) the reference decoder took 11.7 % of the server's CPU outside the fsync, two
 * thirds of it turning a message's text into a string a UTF-16 unit at a time
 * (`utf8DecodeJs` pushes each unit to an array, then `String.fromCharCode(...units)`).
 *
 * It decodes the common case itself: nil, booleans, integers, floats, strings, arrays, and
 * maps with string keys, within the limits. For anything else — bin and ext, non-string map
 * keys, `__proto__`, a limit exceeded, truncated input, trailing bytes, a short string that is
 * not valid UTF-8 — it hands the whole frame to the reference decoder, which then decodes or
 * throws exactly as it always did. So the answer is always the reference's
 * (`msgpack-fast.prop.test.ts` checks it on frames, mutated frames and random bytes).
 * Callers still run `scanMsgpack` first: this decoder trusts no header either, but the
 * reference it may fall back to needs the scan.
 */

export interface DecodeLimits {
  readonly maxStrLength: number;
  readonly maxArrayLength: number;
  readonly maxMapLength: number;
}

/** Thrown inside the decoder to hand the whole frame to the reference decoder. */
const UNSUPPORTED = Symbol("unsupported");
/** Deeper frames go to the reference (which is iterative); the scan allows far less anyway. */
const MAX_DEPTH = 64;
/** The reference decodes strings longer than this (bytes) with a default TextDecoder, shorter ones with its own loop. */
const TEXT_DECODER_THRESHOLD = 200;
/** For long strings, exactly what the reference uses (it strips a leading BOM and replaces bad bytes). */
const lenientDecoder = new TextDecoder();
/**
 * For short non-ASCII strings: on valid UTF-8 the reference's loop gives the same string as a
 * TextDecoder that keeps a BOM; on invalid UTF-8 this one throws and the reference decides.
 */
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Where Buffer exists (Bun, Node), its native Latin-1 reader turns ASCII bytes into a string
 * 1.5-3× faster than TextDecoder on frame-sized strings (keys, cmids, a 100-character text).
 * For ASCII, Latin-1 and UTF-8 agree; it is used for nothing else.
 */
const latin1Slice = (globalThis as { Buffer?: { prototype: { latin1Slice?: (this: Uint8Array, start: number, end: number) => string } } })
  .Buffer?.prototype.latin1Slice;

let b: Uint8Array = new Uint8Array(0);
/** Made only when a float is read: most frames have none. */
let dv: DataView | undefined;
let p = 0;
let end = 0;
let limits: DecodeLimits;

export function decodeMsgpack(bytes: Uint8Array, lim: DecodeLimits, reference: (bytes: Uint8Array) => unknown): unknown {
  b = bytes;
  dv = undefined;
  p = 0;
  end = bytes.length;
  limits = lim;
  try {
    const v = read(0);
    if (p !== end) throw UNSUPPORTED;
    return v;
  } catch (e) {
    if (e === UNSUPPORTED || e instanceof RangeError) return reference(bytes);
    throw e;
  } finally {
    b = EMPTY; // do not keep the frame reachable
    dv = undefined;
  }
}
const EMPTY = new Uint8Array(0);

const view = (): DataView => (dv ??= new DataView(b.buffer, b.byteOffset, b.byteLength));
/** Big-endian reads at p (bounds checked by the caller), advancing p. */
function u16(): number { const v = (b[p]! << 8) | b[p + 1]!; p += 2; return v; }
function u32(): number { const v = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!); p += 4; return v; }

function need(n: number): void {
  if (p + n > end) throw UNSUPPORTED;
}

function read(depth: number): unknown {
  need(1);
  const h = b[p++]!;
  if (h < 0x80) return h;
  if (h >= 0xe0) return h - 0x100;
  if (h < 0x90) return map(h - 0x80, depth);
  if (h < 0xa0) return array(h - 0x90, depth);
  if (h < 0xc0) return str(h - 0xa0);
  let v: number;
  switch (h) {
    case 0xc0: return null;
    case 0xc2: return false;
    case 0xc3: return true;
    case 0xca: need(4); v = view().getFloat32(p); p += 4; return v;
    case 0xcb: need(8); v = view().getFloat64(p); p += 8; return v;
    case 0xcc: need(1); return b[p++]!;
    case 0xcd: need(2); v = u16(); return v;
    case 0xce: need(4); v = u32(); return v;
    case 0xcf: need(8); v = u32() * 4294967296; return v + u32();
    case 0xd0: need(1); v = (b[p++]! << 24) >> 24; return v;
    case 0xd1: need(2); v = (u16() << 16) >> 16; return v;
    case 0xd2: need(4); v = u32() | 0; return v;
    case 0xd3: need(8); v = (u32() | 0) * 4294967296; return v + u32();
    case 0xd9: need(1); v = b[p]!; p += 1; return str(v);
    case 0xda: need(2); return str(u16());
    case 0xdb: need(4); return str(u32());
    case 0xdc: need(2); return array(u16(), depth);
    case 0xdd: need(4); return array(u32(), depth);
    case 0xde: need(2); return map(u16(), depth);
    case 0xdf: need(4); return map(u32(), depth);
    default: throw UNSUPPORTED; // bin, ext, 0xc1
  }
}

function str(n: number): string {
  if (n > limits.maxStrLength) throw UNSUPPORTED;
  need(n);
  const start = p;
  p += n;
  if (n > TEXT_DECODER_THRESHOLD) return lenientDecoder.decode(b.subarray(start, p));
  let ascii = true;
  let hash = n;
  for (let i = start; i < p; i++) {
    const c = b[i]!;
    if (c >= 0x80) { ascii = false; break; }
    hash = (Math.imul(hash, 31) + c) | 0;
  }
  if (ascii && n <= KEY_MAX) return cachedAscii(start, n, hash);
  if (ascii) {
    if (latin1Slice) return latin1Slice.call(b, start, p);
    return strictDecoder.decode(b.subarray(start, p));
  }
  try {
    return strictDecoder.decode(b.subarray(start, p));
  } catch {
    throw UNSUPPORTED;
  }
}

/**
 * Short ASCII strings (keys, types, room names) come from a small cache, as @msgpack/msgpack
 * does for keys: a frame's dozen field names then cost a compare each, not a new string.
 */
const KEY_MAX = 16;
const CACHE_SIZE = 1024;
const cacheBytes: (Uint8Array | undefined)[] = new Array(CACHE_SIZE).fill(undefined);
const cacheStrings: string[] = new Array(CACHE_SIZE).fill("");

function cachedAscii(start: number, n: number, hash: number): string {
  const slot = hash & (CACHE_SIZE - 1);
  const known = cacheBytes[slot];
  if (known !== undefined && known.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) if (known[i] !== b[start + i]) { same = false; break; }
    if (same) return cacheStrings[slot]!;
  }
  let s = "";
  for (let i = start; i < start + n; i++) s += String.fromCharCode(b[i]!);
  cacheBytes[slot] = b.slice(start, start + n);
  cacheStrings[slot] = s;
  return s;
}

function array(n: number, depth: number): unknown[] {
  if (n === 0) return [];
  if (n > limits.maxArrayLength || depth >= MAX_DEPTH || n > end - p) throw UNSUPPORTED;
  const a = new Array<unknown>(n);
  for (let i = 0; i < n; i++) a[i] = read(depth + 1);
  return a;
}

function map(n: number, depth: number): Record<string, unknown> {
  if (n === 0) return {};
  if (n > limits.maxMapLength || depth >= MAX_DEPTH || 2 * n > end - p) throw UNSUPPORTED;
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    need(1);
    const h = b[p]!;
    if (!((h >= 0xa0 && h < 0xc0) || h === 0xd9 || h === 0xda || h === 0xdb)) throw UNSUPPORTED; // a non-string key
    const k = read(depth + 1) as string;
    if (k === "__proto__") throw UNSUPPORTED;
    o[k] = read(depth + 1);
  }
  return o;
}
