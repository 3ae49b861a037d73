import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { sanitizeLabel, sanitizeText } from '../../src/wire/sanitize.js';
import { cellWidth } from '../../src/tui/text-width.js';
import { wrapText } from '../../src/tui/wrap.js';

const CONTROLS = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/;
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

describe('sanitizeText', () => {
  test.each([
    ['SGR color', 'a\u001B[31mred\u001B[0mb', 'aredb'],
    ['256-color SGR', '\u001B[38;5;196mx', 'x'],
    ['clear screen and cursor home', '\u001B[2J\u001B[Hhi', 'hi'],
    ['cursor movement with private marker', '\u001B[?25lhidden cursor', 'hidden cursor'],
    ['OSC title ended by BEL', '\u001B]0;pwned\u0007text', 'text'],
    ['OSC 8 hyperlink ended by ST', '\u001B]8;;http://evil\u001B\\click\u001B]8;;\u001B\\', 'click'],
    ['unterminated OSC runs to the end', 'ok\u001B]0;never ends', 'ok'],
    ['DCS string', 'a\u001BPq#0;2;0;0;0\u001B\\b', 'ab'],
    ['8-bit CSI', 'a\u009B31mb', 'ab'],
    ['8-bit OSC', 'a\u009D0;t\u009Cb', 'ab'],
    ['charset designation', 'a\u001B(Bb', 'ab'],
    ['lone ESC', 'a\u001Bb', 'a'],
    ['trailing ESC', 'ab\u001B', 'ab'],
    ['BEL', 'ding\u0007dong', 'dingdong'],
    ['NUL and DEL', 'a\u0000b\u007Fc', 'abc'],
    ['C1 NEL', 'a\u0085b', 'ab'],
    ['right-to-left override', 'abc\u202Eevil', 'abcevil'],
    ['isolates', '\u2066x\u2069', 'x'],
    ['LRM and RLM', 'a\u200Eb\u200Fc', 'abc'],
    ['BOM', '\uFEFFhi', 'hi'],
    ['tab becomes a space', 'a\tb', 'a b'],
    ['line breaks become spaces', 'a\nb\r\nc\rd', 'a b c d'],
    ['lone surrogate', 'a\uD800b', 'a\uFFFDb'],
  ])('%s', (_name, input, expected) => {
    expect(sanitizeText(input)).toBe(expected);
  });

  test('keeps what is printable: accents, CJK, emoji with joiners, combining marks', () => {
    const text = 'café 漢字 👩‍👩‍👧 é ✓';
    expect(sanitizeText(text)).toBe(text);
  });

  test('keepNewlines keeps line breaks as LF', () => {
    expect(sanitizeText('a\r\nb\rc\u2028d', { keepNewlines: true })).toBe('a\nb\nc\nd');
  });

  test('removing a control never assembles a new escape', () => {
    expect(sanitizeText('\u001B\u0000[31mx')).toBe('[31mx');
    expect(sanitizeText('\u001B\u001B[31mx')).toBe('x');
  });

  test('sanitizeLabel trims and folds lines', () => {
    expect(sanitizeLabel('  bob\n\u001B[1m ')).toBe('bob');
  });
});

// Strings made of the characters most likely to hurt, mixed with ordinary text.
const hostile = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.constantFrom(
        '\u001B',
        '\u001B[',
        '\u001B]',
        '\u0007',
        '\u009B',
        '\u009D',
        '\u202E',
        '\u2066',
        '\r',
        '\n',
        '\t',
      ),
      fc.constantFrom('\u001B[31m', '\u001B]0;x\u0007', '\u001B[2J', '漢', '👍', 'e\u0301', ' '),
    ),
  )
  .map((parts) => parts.join(''));

describe('sanitizeText properties', () => {
  test('output holds no ESC, no C0 or C1 control and no bidi control', () => {
    fc.assert(
      fc.property(hostile, (input) => {
        const out = sanitizeText(input);
        expect(out).not.toMatch(CONTROLS);
        expect(out).not.toContain('\n');
        expect(out).not.toMatch(BIDI);
      }),
      { numRuns: 2000 },
    );
  });

  test('with keepNewlines, LF is the only control left', () => {
    fc.assert(
      fc.property(hostile, (input) => {
        expect(sanitizeText(input, { keepNewlines: true })).not.toMatch(CONTROLS);
      }),
    );
  });

  test('is idempotent', () => {
    fc.assert(
      fc.property(hostile, (input) => {
        const once = sanitizeText(input, { keepNewlines: true });
        expect(sanitizeText(once, { keepNewlines: true })).toBe(once);
      }),
    );
  });

  test('wrapped to any pane width, no row is wider than the pane', () => {
    fc.assert(
      fc.property(
        hostile,
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 0, max: 40 }),
        (input, width, prefix) => {
          const first = Math.max(1, width - prefix);
          for (const [i, line] of wrapText(
            sanitizeText(input, { keepNewlines: true }),
            first,
            width,
          ).entries()) {
            expect(cellWidth(line)).toBeLessThanOrEqual(i === 0 ? first : width);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
