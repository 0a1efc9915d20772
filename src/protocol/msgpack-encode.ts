/**
 * A MessagePack encoder for protocol frames that writes exactly the bytes @msgpack/msgpack's
 * `new Encoder({ ignoreUndefined: true })` writes (`msgpack-fast.prop.test.ts` proves it for every
 * frame shape and for arbitrary JSON-like values), only cheaper: no class state per call, one
 * shared buffer, an ASCII fast path for strings, and no extension lookup per object.
 *
 * Why not just @msgpack/msgpack: in a profile of the fan-out load (N = 64, MessagePack) its
 * encoder took 12.7 % of the server's CPU outside the fsync, most of it per-object overhead
 * (extension lookup, key counting, a DataView write per byte) on small frames.
 *
 * It handles what frames are made of: null/undefined, booleans, numbers, strings, arrays and
 * plain objects. Anything else (a Date, a typed array, a bigint, a class instance, nesting
 * deeper than the reference allows) is handed whole to the reference encoder, so the result is
 * the reference's in every case.
 */

/** The reference encoder's depth limit: deeper values are left to it (it throws). */
const MAX_DEPTH = 100;
/** @msgpack/msgpack writes strings longer than this (in UTF-16 units) with TextEncoder, shorter ones with its own loop. */
const TEXT_ENCODER_THRESHOLD = 50;

/** Thrown inside the encoder to hand the whole value to the reference encoder. */
const UNSUPPORTED = Symbol("unsupported");

const textEncoder = new TextEncoder();
/** Where Buffer exists (Bun, Node): its native UTF-8 writer, used on plain Uint8Arrays for ASCII strings only. */
const utf8Write = (globalThis as { Buffer?: { prototype: { utf8Write?: (this: Uint8Array, s: string, offset: number) => number } } })
  .Buffer?.prototype.utf8Write;
let buf = new Uint8Array(4096);
let view = new DataView(buf.buffer);
let pos = 0;

function ensure(n: number): void {
  if (pos + n <= buf.length) return;
  const next = new Uint8Array(Math.max(buf.length * 2, pos + n));
  next.set(buf.subarray(0, pos));
  buf = next;
  view = new DataView(buf.buffer);
}

/**
 * Encodes `value`; `reference` encodes what this encoder does not handle (it must be
 * @msgpack/msgpack's encoder with `ignoreUndefined: true`). Returns a fresh copy of the bytes.
 */
export function encodeMsgpack(value: unknown, reference: (value: unknown) => Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  pos = 0;
  try {
    write(value, 1);
  } catch (e) {
    if (e === UNSUPPORTED) return reference(value);
    throw e;
  }
  return buf.slice(0, pos);
}

function write(v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw UNSUPPORTED;
  if (v === null || v === undefined) { ensure(1); buf[pos++] = 0xc0; return; }
  switch (typeof v) {
    case "string": return writeString(v);
    case "number": return writeNumber(v);
    case "boolean": ensure(1); buf[pos++] = v ? 0xc3 : 0xc2; return;
    case "object": {
      if (Array.isArray(v)) return writeArray(v, depth);
      const proto = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null) return writeMap(v as Record<string, unknown>, depth);
      throw UNSUPPORTED;
    }
    default: throw UNSUPPORTED;
  }
}

function writeNumber(n: number): void {
  ensure(9);
  if (Number.isSafeInteger(n)) {
    if (n >= 0) {
      if (n < 0x80) buf[pos++] = n;
      else if (n < 0x100) { buf[pos++] = 0xcc; buf[pos++] = n; }
      else if (n < 0x10000) { buf[pos++] = 0xcd; view.setUint16(pos, n); pos += 2; }
      else if (n < 0x100000000) { buf[pos++] = 0xce; view.setUint32(pos, n); pos += 4; }
      else { buf[pos++] = 0xcf; view.setUint32(pos, n / 4294967296); view.setUint32(pos + 4, n); pos += 8; }
    } else if (n >= -0x20) buf[pos++] = 0xe0 | (n + 0x20);
    else if (n >= -0x80) { buf[pos++] = 0xd0; view.setInt8(pos, n); pos += 1; }
    else if (n >= -0x8000) { buf[pos++] = 0xd1; view.setInt16(pos, n); pos += 2; }
    else if (n >= -0x80000000) { buf[pos++] = 0xd2; view.setInt32(pos, n); pos += 4; }
    else { buf[pos++] = 0xd3; view.setUint32(pos, Math.floor(n / 4294967296)); view.setUint32(pos + 4, n); pos += 8; }
    return;
  }
  buf[pos++] = 0xcb;
  view.setFloat64(pos, n);
  pos += 8;
}

const headerSize = (bytes: number): number => (bytes < 32 ? 1 : bytes < 0x100 ? 2 : bytes < 0x10000 ? 3 : 5);

/** Writes a str header for `bytes` at `at` (whose size headerSize(bytes) the caller reserved). */
function writeStringHeader(at: number, bytes: number): void {
  if (bytes < 32) buf[at] = 0xa0 + bytes;
  else if (bytes < 0x100) { buf[at] = 0xd9; buf[at + 1] = bytes; }
  else if (bytes < 0x10000) { buf[at] = 0xda; view.setUint16(at + 1, bytes); }
  else if (bytes < 0x100000000) { buf[at] = 0xdb; view.setUint32(at + 1, bytes); }
  else throw UNSUPPORTED; // the reference throws "Too long string"
}

function writeString(s: string): void {
  const n = s.length;
  ensure(5 + 3 * n);
  // ASCII (nearly every key and most text) goes straight in, whatever the length: the same
  // bytes as either of the reference's methods, with the header known up front.
  const start = pos + headerSize(n);
  if (utf8Write !== undefined && n > 16) {
    // Native, about 7× the loop below on a 100-character text. All ASCII iff one byte per unit;
    // anything else is written again below, the reference's way.
    if (utf8Write.call(buf, s, start) === n) {
      writeStringHeader(pos, n);
      pos = start + n;
      return;
    }
  }
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    buf[start + i] = c;
  }
  if (i === n) {
    writeStringHeader(pos, n);
    pos = start + n;
    return;
  }
  if (n > TEXT_ENCODER_THRESHOLD) {
    // TextEncoder, as the reference uses here; the UTF-8 length is known only after, so the
    // header is guessed from the UTF-16 length (a lower bound) and the bytes moved if it grows.
    const guess = headerSize(n);
    const written = textEncoder.encodeInto(s, buf.subarray(pos + guess)).written;
    const need = headerSize(written);
    if (need !== guess) buf.copyWithin(pos + need, pos + guess, pos + guess + written);
    writeStringHeader(pos, written);
    pos += need + written;
    return;
  }
  // Short strings: the reference's own loop (which writes a lone surrogate as three bytes,
  // where TextEncoder would write U+FFFD).
  const bytes = utf8Count(s);
  const h = headerSize(bytes);
  writeStringHeader(pos, bytes);
  pos = utf8EncodeJs(s, pos + h);
}

/** The reference's UTF-8 length (lone surrogates count three bytes). */
function utf8Count(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; ) {
    let c = s.charCodeAt(i++);
    if (c < 0x80) { bytes += 1; continue; }
    if (c < 0x800) { bytes += 2; continue; }
    if (c >= 0xd800 && c <= 0xdbff && i < s.length) {
      const d = s.charCodeAt(i);
      if ((d & 0xfc00) === 0xdc00) { i++; c = ((c & 0x3ff) << 10) + (d & 0x3ff) + 0x10000; }
    }
    bytes += c > 0xffff ? 4 : 3;
  }
  return bytes;
}

/** The reference's UTF-8 writer for short strings; returns the position after the last byte. */
function utf8EncodeJs(s: string, at: number): number {
  for (let i = 0; i < s.length; ) {
    let c = s.charCodeAt(i++);
    if (c < 0x80) { buf[at++] = c; continue; }
    if (c < 0x800) {
      buf[at++] = ((c >> 6) & 0x1f) | 0xc0;
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i < s.length) {
        const d = s.charCodeAt(i);
        if ((d & 0xfc00) === 0xdc00) { i++; c = ((c & 0x3ff) << 10) + (d & 0x3ff) + 0x10000; }
      }
      if (c <= 0xffff) {
        buf[at++] = ((c >> 12) & 0x0f) | 0xe0;
        buf[at++] = ((c >> 6) & 0x3f) | 0x80;
      } else {
        buf[at++] = ((c >> 18) & 0x07) | 0xf0;
        buf[at++] = ((c >> 12) & 0x3f) | 0x80;
        buf[at++] = ((c >> 6) & 0x3f) | 0x80;
      }
    }
    buf[at++] = (c & 0x3f) | 0x80;
  }
  return at;
}

function writeArray(a: unknown[], depth: number): void {
  const n = a.length;
  ensure(5);
  if (n < 16) buf[pos++] = 0x90 + n;
  else if (n < 0x10000) { buf[pos++] = 0xdc; view.setUint16(pos, n); pos += 2; }
  else { buf[pos++] = 0xdd; view.setUint32(pos, n); pos += 4; }
  // for…of, as the reference: a hole is undefined, written as nil
  for (const item of a) write(item, depth + 1);
}

/**
 * The two frames every message makes, as `eventFrame` (frames.ts) and `ackFrame`
 * (actors/replies.ts) build them: when a map's keys are exactly these, in this order, it is
 * written with named property loads and keys kept encoded. In a server the generic path's keyed
 * loads (`o[k]`) see every frame shape there is and run slowly; this one sees one shape.
 * The bytes are the generic path's (the property test checks both shapes with and without their
 * optional keys).
 */
const EVENT_KEYS = ["type", "stream", "seq", "pos", "at", "author", "kind", "body", "cmid"];
const ACK_KEYS = ["type", "id", "stream", "seq", "pos", "duplicate"];
const keyBytes = (k: string): Uint8Array => Uint8Array.from([0xa0 + k.length, ...Array.from(k, (c) => c.charCodeAt(0))]);
const K = Object.fromEntries([...EVENT_KEYS, ...ACK_KEYS].map((k) => [k, keyBytes(k)])) as Record<string, Uint8Array>;

/** Are `keys` the first `n` (n = all, or all but the optional last) of `shape`? */
function sameKeys(keys: string[], shape: string[]): boolean {
  const n = keys.length;
  if (n !== shape.length && n !== shape.length - 1) return false;
  for (let i = 0; i < n; i++) if (keys[i] !== shape[i]) return false;
  return true;
}

function writeKey(kb: Uint8Array): void {
  const n = kb.length;
  ensure(n);
  for (let i = 0; i < n; i++) buf[pos + i] = kb[i]!;
  pos += n;
}

interface EventLike { type: unknown; stream: unknown; seq: unknown; pos: unknown; at: unknown; author: unknown; kind: unknown; body: unknown; cmid?: unknown }
interface AckLike { type: unknown; id?: unknown; stream: unknown; seq: unknown; pos: unknown; duplicate?: unknown }

/** An event frame's map; false, having written nothing, if a value is undefined (the generic path then skips it). */
function writeEvent(f: EventLike, withCmid: boolean, depth: number): boolean {
  const { type, stream, seq, pos: at0, at, author, kind, body, cmid } = f;
  if (type === undefined || stream === undefined || seq === undefined || at0 === undefined || at === undefined
    || author === undefined || kind === undefined || body === undefined || (withCmid && cmid === undefined)) return false;
  ensure(1);
  buf[pos++] = withCmid ? 0x89 : 0x88;
  writeKey(K.type!); write(type, depth + 1);
  writeKey(K.stream!); write(stream, depth + 1);
  writeKey(K.seq!); write(seq, depth + 1);
  writeKey(K.pos!); write(at0, depth + 1);
  writeKey(K.at!); write(at, depth + 1);
  writeKey(K.author!); write(author, depth + 1);
  writeKey(K.kind!); write(kind, depth + 1);
  writeKey(K.body!); write(body, depth + 1);
  if (withCmid) { writeKey(K.cmid!); write(cmid, depth + 1); }
  return true;
}

/** An ack frame's map (an undefined `id` or `duplicate` is left out, as the generic path does); false if another value is undefined. */
function writeAck(f: AckLike, withDuplicate: boolean, depth: number): boolean {
  const { type, id, stream, seq, pos: at0, duplicate } = f;
  if (type === undefined || stream === undefined || seq === undefined || at0 === undefined) return false;
  const dup = withDuplicate && duplicate !== undefined;
  ensure(1);
  buf[pos++] = 0x84 + (id === undefined ? 0 : 1) + (dup ? 1 : 0);
  writeKey(K.type!); write(type, depth + 1);
  if (id !== undefined) { writeKey(K.id!); write(id, depth + 1); }
  writeKey(K.stream!); write(stream, depth + 1);
  writeKey(K.seq!); write(seq, depth + 1);
  writeKey(K.pos!); write(at0, depth + 1);
  if (dup) { writeKey(K.duplicate!); write(duplicate, depth + 1); }
  return true;
}

function writeMap(o: Record<string, unknown>, depth: number): void {
  const keys = Object.keys(o);
  const type = o.type;
  if (type === "event" && sameKeys(keys, EVENT_KEYS) && writeEvent(o as unknown as EventLike, keys.length === 9, depth)) return;
  if (type === "ack" && keys.length >= 4 && sameKeys(keys, ACK_KEYS) && writeAck(o as unknown as AckLike, keys.length === 6, depth)) return;
  let n = 0;
  for (const k of keys) if (o[k] !== undefined) n++;
  ensure(5);
  if (n < 16) buf[pos++] = 0x80 + n;
  else if (n < 0x10000) { buf[pos++] = 0xde; view.setUint16(pos, n); pos += 2; }
  else { buf[pos++] = 0xdf; view.setUint32(pos, n); pos += 4; }
  for (const k of keys) {
    const v = o[k];
    if (v === undefined) continue;
    writeString(k);
    write(v, depth + 1);
  }
}
