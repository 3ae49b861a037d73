/**
 * The one MessagePack configuration of the protocol: plain maps, arrays, strings, integers, binary.
 * `useRecords: false` keeps msgpackr's record extension off the wire so any MessagePack library reads it.
 *
 * msgpackr alone is lenient in both directions, so both directions are guarded here:
 * - on encode, fields whose value is undefined are dropped at every depth (msgpackr would otherwise
 *   write its private fixext 0 for them), and integers outside 32 bits (timestamps) are written as
 *   MessagePack int64 rather than msgpackr's default float64, which a typed decoder would refuse;
 * - on decode, `checkPlainMessagePack` refuses what plain MessagePack readers would read differently
 *   or not at all (extension types, records, invalid UTF-8, duplicate or non-string map keys), so a
 *   relay never accepts and forwards bytes that another implementation would reject or read otherwise.
 */
import { Packr, Unpackr } from 'msgpackr';
import { isWellFormedUtf8, latin1 } from './bytes.js';
import { MAX_NESTING_DEPTH } from './constants.js';
import { WireError } from './errors.js';

const packr = new Packr({ useRecords: false, moreTypes: false, encodeUndefinedAsNil: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

/** Encodes a value; fields whose value is undefined are left out. */
export function packValue(value: unknown): Uint8Array {
  return packr.pack(normalise(value));
}

/** Decodes exactly one MessagePack value filling all of `bytes`; anything else is FRAME_MALFORMED. */
export function unpackValue(bytes: Uint8Array): unknown {
  const buf = bytes;
  if (buf.length === 0) throw new WireError('FRAME_MALFORMED', 'empty MessagePack body');
  const end = checkPlainMessagePack(buf, 0, 0);
  if (end !== buf.length) {
    throw new WireError('FRAME_MALFORMED', 'a frame must hold exactly one MessagePack value, not several');
  }
  try {
    return unpackr.unpack(buf);
  } catch (err) {
    // Unreachable for input that passed the check above; kept so a msgpackr surprise stays typed.
    throw new WireError('FRAME_MALFORMED', `invalid MessagePack: ${(err as Error).message}`, { cause: err });
  }
}

const INT32_MIN = -0x80000000;
const UINT32_MAX = 0xffffffff;

function normalise(value: unknown): unknown {
  if (typeof value === 'number') {
    // msgpackr writes integers beyond 32 bits as float64; a bigint makes it write int64 instead.
    return (value > UINT32_MAX || value < INT32_MIN) && Number.isSafeInteger(value) ? BigInt(value) : value;
  }
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(normalise);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = normalise(v);
  }
  return out;
}

function malformed(pos: number, what: string): never {
  throw new WireError('FRAME_MALFORMED', `invalid MessagePack at byte ${pos}: ${what}`);
}

/**
 * Walks one MessagePack value starting at `pos` and returns the offset just past it. Accepts nil, bool,
 * int, float, str (valid UTF-8), bin, array and map (string keys, none repeated), nested at most
 * MAX_NESTING_DEPTH deep; refuses everything else. Allocation-free, so it is cheap on the relay path.
 */
function checkPlainMessagePack(buf: Uint8Array, pos: number, depth: number): number {
  if (pos >= buf.length) malformed(pos, 'unexpected end of data');
  const t = buf[pos];
  if (t <= 0x7f || t >= 0xe0) return pos + 1; // fixint
  if (t <= 0x8f) return checkMap(buf, pos + 1, t & 0x0f, depth, pos);
  if (t <= 0x9f) return checkArray(buf, pos + 1, t & 0x0f, depth, pos);
  if (t <= 0xbf) return checkStr(buf, pos + 1, t & 0x1f);
  switch (t) {
    case 0xc0: // nil
    case 0xc2: // false
    case 0xc3: // true
      return pos + 1;
    case 0xc4:
      return skip(buf, pos + 2, readLen(buf, pos + 1, 1));
    case 0xc5:
      return skip(buf, pos + 3, readLen(buf, pos + 1, 2));
    case 0xc6:
      return skip(buf, pos + 5, readLen(buf, pos + 1, 4));
    case 0xca:
      return skip(buf, pos + 1, 4);
    case 0xcb:
      return skip(buf, pos + 1, 8);
    case 0xcc:
    case 0xd0:
      return skip(buf, pos + 1, 1);
    case 0xcd:
    case 0xd1:
      return skip(buf, pos + 1, 2);
    case 0xce:
    case 0xd2:
      return skip(buf, pos + 1, 4);
    case 0xcf:
    case 0xd3:
      return skip(buf, pos + 1, 8);
    case 0xd9:
      return checkStr(buf, pos + 2, readLen(buf, pos + 1, 1));
    case 0xda:
      return checkStr(buf, pos + 3, readLen(buf, pos + 1, 2));
    case 0xdb:
      return checkStr(buf, pos + 5, readLen(buf, pos + 1, 4));
    case 0xdc:
      return checkArray(buf, pos + 3, readLen(buf, pos + 1, 2), depth, pos);
    case 0xdd:
      return checkArray(buf, pos + 5, readLen(buf, pos + 1, 4), depth, pos);
    case 0xde:
      return checkMap(buf, pos + 3, readLen(buf, pos + 1, 2), depth, pos);
    case 0xdf:
      return checkMap(buf, pos + 5, readLen(buf, pos + 1, 4), depth, pos);
    default:
      // 0xc1 (never used), 0xc7-0xc9 and 0xd4-0xd8 (extension types): none has a meaning in protocol v1.
      return malformed(pos, t === 0xc1 ? 'the never-used byte 0xc1' : `extension type (0x${t.toString(16)})`);
  }
}

function readLen(buf: Uint8Array, pos: number, width: 1 | 2 | 4): number {
  if (pos + width > buf.length) malformed(pos, 'unexpected end of data');
  return width === 1
    ? buf[pos]
    : width === 2
      ? (buf[pos] << 8) | buf[pos + 1]
      : buf[pos] * 0x1000000 + ((buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3]);
}

function skip(buf: Uint8Array, pos: number, n: number): number {
  if (pos + n > buf.length) malformed(pos, 'unexpected end of data');
  return pos + n;
}

function checkStr(buf: Uint8Array, pos: number, n: number): number {
  const end = skip(buf, pos, n);
  // Keys and most fields are short ASCII: a JS loop beats the native call's overhead for those.
  let ascii = n <= 64;
  for (let i = pos; ascii && i < end; i++) ascii = buf[i] < 0x80;
  if (!ascii && !isWellFormedUtf8(buf, pos, end)) malformed(pos, 'a string that is not valid UTF-8');
  return end;
}

function sameBytes(buf: Uint8Array, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (; a < aEnd; a++, b++) if (buf[a] !== buf[b]) return false;
  return true;
}

function checkArray(buf: Uint8Array, pos: number, count: number, depth: number, start: number): number {
  if (depth >= MAX_NESTING_DEPTH) malformed(start, `nesting deeper than ${MAX_NESTING_DEPTH}`);
  // Every item takes at least one byte: a larger count cannot be honest, and refusing it early bounds work.
  if (count > buf.length - pos) malformed(start, 'unexpected end of data');
  for (let i = 0; i < count; i++) pos = checkPlainMessagePack(buf, pos, depth + 1);
  return pos;
}

/** Maps up to this many keys look for repeats pairwise (no allocation); larger ones use a Set. */
const PAIRWISE_KEYS = 16;
/**
 * Where the keys of the maps being checked start and end, as a stack shared by the nested calls (a
 * map's keys take 2 × count slots above its parent's): checked maps are on every frame's path, and
 * two arrays per map were a large share of what a relayed message allocated. It is scratch space, not
 * state a caller can see: the check is synchronous, each call restores keyTop in `finally` (a throw too),
 * so between calls it is always 0 and no result depends on an earlier call.
 */
const keyBounds = new Int32Array(2 * PAIRWISE_KEYS * (MAX_NESTING_DEPTH + 1));
let keyTop = 0;

function checkMap(buf: Uint8Array, pos: number, count: number, depth: number, start: number): number {
  if (depth >= MAX_NESTING_DEPTH) malformed(start, `nesting deeper than ${MAX_NESTING_DEPTH}`);
  if (count * 2 > buf.length - pos) malformed(start, 'unexpected end of data');
  const seen = count > PAIRWISE_KEYS ? new Set<string>() : undefined;
  const base = keyTop;
  if (!seen) keyTop += 2 * count;
  try {
    for (let i = 0; i < count; i++) {
      const t = buf[pos];
      const header = t >= 0xa0 && t <= 0xbf ? 1 : t === 0xd9 ? 2 : t === 0xda ? 3 : t === 0xdb ? 5 : 0;
      if (header === 0) malformed(pos, 'a map key that is not a string');
      const keyEnd = checkPlainMessagePack(buf, pos, depth + 1);
      // Repeated keys are read "last wins" by some libraries and "first wins" or refused by others:
      // signed bytes must mean one thing everywhere, so a repeat is refused. Compare the UTF-8 content,
      // not the header, since the same key may be written as fixstr or str8.
      const keyStart = pos + header;
      if (seen) {
        const key = latin1(buf, keyStart, keyEnd);
        if (seen.has(key)) malformed(pos, 'a repeated map key');
        seen.add(key);
      } else {
        for (let k = base; k < base + 2 * i; k += 2) {
          if (sameBytes(buf, keyStart, keyEnd, keyBounds[k], keyBounds[k + 1])) {
            malformed(pos, 'a repeated map key');
          }
        }
        keyBounds[base + 2 * i] = keyStart;
        keyBounds[base + 2 * i + 1] = keyEnd;
      }
      pos = checkPlainMessagePack(buf, keyEnd, depth + 1);
    }
  } finally {
    keyTop = base;
  }
  return pos;
}
