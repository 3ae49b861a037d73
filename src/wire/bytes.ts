/** Byte helpers on plain Uint8Array: the wire runs in browsers too, where there is no Buffer. */

const encoder = new TextEncoder();

/**
 * Small arrays are carved out of shared slabs, as Node does for its Buffers: a frame per relayed
 * message as its own ArrayBuffer cost an allocation of memory outside the heap and a finalizer for
 * the collector, each time. A held frame keeps its slab (8 KiB) alive, no more. The slab is a pool, not
 * state a caller can see: pieces never overlap, each caller fills every byte of its own, and which slab a
 * piece came from changes no result.
 */
const SLAB_BYTES = 8192;
const SLAB_MAX_PIECE = SLAB_BYTES >>> 1;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

/** A new array of `length` bytes, of unspecified content (the caller fills every byte). */
export function allocBytes(length: number): Uint8Array {
  if (length > SLAB_MAX_PIECE) return new Uint8Array(length);
  if (slabUsed + length > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const piece = slab.subarray(slabUsed, slabUsed + length);
  // Keep pieces 8-byte aligned, as Node's pool does.
  slabUsed += (length + 7) & ~7;
  return piece;
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The parts one after the other, in one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = allocBytes(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The length of `text` in UTF-8 (lone surrogates count 3, as the encoder writes U+FFFD for them). */
export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 4;
        i++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}

/**
 * True when bytes[start, end) is well-formed UTF-8 (RFC 3629: shortest form, no surrogates, at most
 * U+10FFFF), the same rule as Node's isUtf8 and a fatal TextDecoder.
 */
export function isWellFormedUtf8(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  let i = start;
  while (i < end) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need = 3;
    let min = 0x10000;
    let cp = b & 0x07;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b < 0xf0 || b > 0xf4) return false;
    if (i + need >= end) return false;
    for (let j = 1; j <= need; j++) {
      const c = bytes[i + j];
      if ((c & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

/** bytes[start, end) as a string of one character per byte: a cheap exact key for a Set or Map. */
export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  for (let at = start; at < end; at += 4096) {
    out += String.fromCharCode.apply(
      null,
      bytes.subarray(at, Math.min(end, at + 4096)) as unknown as number[],
    );
  }
  return out;
}
