/**
 * The wire's plain-JavaScript byte helpers against what Node did for it before the wire left Buffer
 * behind: UTF-8 validation (node:buffer isUtf8), UTF-8 length (Buffer.byteLength), hex. A relay must
 * refuse exactly the strings it refused before, or nodes of two versions would disagree on a frame.
 */
import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { allocBytes, isWellFormedUtf8, latin1, utf8Length } from '../../src/wire/bytes.js';
import { fromHex, toHex } from '../../src/wire/index.js';

/** Bytes near UTF-8's edges: lead bytes, continuation bytes, overlong and surrogate starts. */
const edgyByte = fc.oneof(
  fc.constantFrom(0x00, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff),
  fc.integer({ min: 0x80, max: 0xbf }),
  fc.integer({ min: 0, max: 255 }),
);

describe('isWellFormedUtf8', () => {
  it('agrees with node:buffer isUtf8 on arbitrary and edge bytes', () => {
    fc.assert(
      fc.property(fc.array(edgyByte, { maxLength: 24 }), (bytes) => {
        const u = Uint8Array.from(bytes);
        expect(isWellFormedUtf8(u)).toBe(isUtf8(u));
      }),
      { numRuns: 20_000 },
    );
  });

  it('accepts every well-formed string, and agrees on ranges inside a larger array', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.nat(8), (s, pad) => {
        const body = Buffer.from(s, 'utf8');
        expect(isWellFormedUtf8(body)).toBe(true);
        const framed = Buffer.concat([Buffer.alloc(pad, 0xff), body, Buffer.alloc(pad, 0xc3)]);
        expect(isWellFormedUtf8(framed, pad, pad + body.length)).toBe(true);
        if (pad > 0) expect(isWellFormedUtf8(framed, 0, pad + body.length)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses overlong forms, surrogates, code points past U+10FFFF and truncated sequences', () => {
    for (const bad of [
      [0xc0, 0xaf],
      [0xe0, 0x80, 0xaf],
      [0xf0, 0x80, 0x80, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
      [0x80],
    ]) {
      expect(isWellFormedUtf8(Uint8Array.from(bad)), bad.join(',')).toBe(false);
      expect(isUtf8(Uint8Array.from(bad))).toBe(false);
    }
  });
});

describe('utf8Length, hex, latin1, allocBytes', () => {
  it('utf8Length is Buffer.byteLength for any string, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        expect(utf8Length(s)).toBe(Buffer.byteLength(s, 'utf8'));
      }),
      { numRuns: 1000 },
    );
  });

  it('toHex and fromHex are Buffer hex both ways, stopping at the first bad pair as Buffer does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.string({ maxLength: 12 }), (bytes, junk) => {
        expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'));
        expect(Buffer.from(fromHex(toHex(bytes))).equals(Buffer.from(bytes))).toBe(true);
        const mixed = toHex(bytes) + junk;
        expect(toHex(fromHex(mixed))).toBe(Buffer.from(mixed, 'hex').toString('hex'));
      }),
      { numRuns: 3000 },
    );
  });

  it('latin1 is one character per byte, for long runs too', () => {
    const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) & 0xff);
    expect(latin1(bytes)).toBe(Buffer.from(bytes).toString('latin1'));
    expect(latin1(bytes, 5, 9000)).toBe(Buffer.from(bytes).toString('latin1', 5, 9000));
  });

  it('allocBytes hands out pieces that never overlap, small and large', () => {
    const pieces = Array.from({ length: 500 }, (_, i) => allocBytes((i * 37) % 5000));
    pieces.forEach((p, i) => p.fill(i & 0xff));
    pieces.forEach((p, i) => expect(p.every((b) => b === (i & 0xff))).toBe(true));
  });
});
