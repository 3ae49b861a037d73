import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { cellWidth } from '../../src/tui/text-width.js';
import { wrapParagraph, wrapText } from '../../src/tui/wrap.js';

describe('wrapParagraph', () => {
  test('short text is one line', () => {
    expect(wrapParagraph('hello world', 40)).toEqual(['hello world']);
  });

  test('empty text is one empty line', () => {
    expect(wrapParagraph('', 10)).toEqual(['']);
  });

  test('breaks at the last space that fits and drops it', () => {
    expect(wrapParagraph('the quick brown fox jumps', 10)).toEqual(['the quick', 'brown fox', 'jumps']);
  });

  test('a space exactly at the edge is the break', () => {
    expect(wrapParagraph('abcde fghij', 5)).toEqual(['abcde', 'fghij']);
  });

  test('cuts a word longer than the line', () => {
    expect(wrapParagraph('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
  });

  test('a first line narrower than the rest (after the nick prefix)', () => {
    expect(wrapParagraph('aaa bbb ccc ddd', 4, 8)).toEqual(['aaa', 'bbb ccc', 'ddd']);
  });

  test('a long word after a short one on a narrower continuation width is cut to fit', () => {
    const lines = wrapParagraph('a bbbbbbbbbb', 10, 4);
    expect(lines).toEqual(['a', 'bbbb', 'bbbb', 'bb']);
  });

  test('wide characters take two cells and never straddle the edge', () => {
    expect(wrapParagraph('漢字漢字漢', 5)).toEqual(['漢字', '漢字', '漢']);
  });

  test('an emoji with joiners is one two-cell grapheme', () => {
    const family = '👩‍👩‍👧';
    expect(wrapParagraph(`${family}${family}${family}`, 4)).toEqual([family + family, family]);
  });

  test('a wide character on a one-cell pane is drawn as ?', () => {
    expect(wrapParagraph('a漢b', 1)).toEqual(['a', '?', 'b']);
  });
});

describe('wrapText', () => {
  test('each paragraph wraps on its own', () => {
    expect(wrapText('one two\nthree', 4)).toEqual(['one', 'two', 'three'.slice(0, 4), 'e']);
  });

  test('keeps empty paragraphs', () => {
    expect(wrapText('a\n\nb', 10)).toEqual(['a', '', 'b']);
  });
});

const words = fc
  .array(fc.oneof(fc.constantFrom('a', 'bb', 'ccc', 'dddddddddddd', '漢字', '👍', 'é', 'x'), fc.string()), {
    maxLength: 40,
  })
  .map((parts) => parts.join(' ').replace(/[\u0000-\u001F\u007F-\u009F]/g, ''));

describe('wrap properties', () => {
  test('no line is wider than its width', () => {
    fc.assert(
      fc.property(
        words,
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 60 }),
        (text, first, rest) => {
          wrapParagraph(text, first, rest).forEach((line, i) => {
            expect(cellWidth(line)).toBeLessThanOrEqual(i === 0 ? first : rest);
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('no character is lost or reordered, only spaces at breaks', () => {
    fc.assert(
      fc.property(words, fc.integer({ min: 2, max: 60 }), (text, width) => {
        const joined = wrapParagraph(text, width).join('');
        expect(joined.replace(/ /g, '')).toBe(text.replace(/ /g, ''));
      }),
      { numRuns: 1000 },
    );
  });
});
