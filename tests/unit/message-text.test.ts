import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  checkMessageText,
  countChars,
  fitsOneMessage,
  MAX_TEXT_BYTES,
  MAX_TEXT_CHARS,
  encodePayload,
  splitMessageText,
} from '../../src/wire/index.js';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

describe('the message length limit', () => {
  test(`${MAX_TEXT_CHARS} characters fit, one more does not; 4-byte characters are counted once`, () => {
    expect(fitsOneMessage('x'.repeat(MAX_TEXT_CHARS))).toBe(true);
    expect(fitsOneMessage('x'.repeat(MAX_TEXT_CHARS + 1))).toBe(false);
    expect(fitsOneMessage('😀'.repeat(MAX_TEXT_CHARS))).toBe(true);
    expect(countChars('😀'.repeat(3))).toBe(3);
  });

  test('a text too long is refused with a sentence, not a schema path', () => {
    expect(() => checkMessageText('y'.repeat(5120))).toThrow(
      'a message holds at most 4,000 characters; this one has 5,120: send it in parts',
    );
    expect(() => checkMessageText('')).toThrow('nothing to send: the message is empty');
    expect(checkMessageText('fine')).toBe('fine');
  });
});

describe('splitMessageText', () => {
  test('cuts at a line break in the second half before a space, and at a space before a word', () => {
    const a = 'a'.repeat(30);
    const b = 'b '.repeat(30);
    expect(splitMessageText(`${a}\n${b}`, 50, 1000)).toEqual([a, 'b '.repeat(25).trimEnd(), 'b '.repeat(5)]);
    expect(splitMessageText('one two three', 8, 100)).toEqual(['one two', 'three']);
    expect(splitMessageText('abcdefghij', 4, 100)).toEqual(['abcd', 'efgh', 'ij']);
  });

  test('never splits a character: surrogate pairs and combining marks stay whole', () => {
    expect(splitMessageText('😀😀😀', 2, 100)).toEqual(['😀😀', '😀']);
    expect(splitMessageText('abe\u0301', 3, 100)).toEqual(['ab', 'e\u0301']);
  });

  test('every part fits the wire; in order they hold all of the text but the white space cut at', () => {
    const char = fc.oneof(
      fc.constantFrom(' ', '\n', 'a', 'é', '中', '😀', 'e\u0301'),
      fc.string({ unit: 'grapheme', maxLength: 1 }),
    );
    fc.assert(
      fc.property(fc.array(char, { maxLength: 400 }), fc.integer({ min: 1, max: 40 }), (chars, max) => {
        const text = chars.join('');
        const parts = splitMessageText(text, max, max * 4);
        for (const part of parts) {
          expect(countChars(part)).toBeLessThanOrEqual(max);
          expect(bytes(part)).toBeLessThanOrEqual(max * 4);
          expect(part.trim()).not.toBe('');
        }
        expect(parts.join('').replace(/\s/gu, '')).toBe(text.replace(/\s/gu, ''));
      }),
      { numRuns: 300 },
    );
  });

  test('a long text splits into parts the payload schema accepts', () => {
    const text = `${'word '.repeat(1500)}\n${'中文'.repeat(3000)}`;
    const parts = splitMessageText(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(bytes(part)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
      const payload = {
        kind: 'chat' as const,
        id: Buffer.alloc(16),
        from: Buffer.alloc(32),
        ts: 1,
        room: 'general',
        nick: 'me',
        text: part,
      };
      expect(() => encodePayload(payload)).not.toThrow();
    }
  });
});
