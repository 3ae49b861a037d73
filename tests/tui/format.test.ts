import { describe, expect, test } from 'vitest';
import { formatRtt, formatTime, mentions, plural, resolveNoColor } from '../../src/tui/format.js';
import { NICK_PALETTE, nickColor } from '../../src/tui/nick-color.js';
import { cellWidth, padToWidth, truncateToWidth } from '../../src/tui/text-width.js';

describe('mentions', () => {
  test.each([
    ['hey me, look', 'me', true],
    ['ME!', 'me', true],
    ['meet me', 'me', true],
    ['meeting', 'me', false],
    ['name_me', 'me', false],
    ['ping zoé.b-2', 'zoé.b-2', true],
    ['zoéx', 'zoé', false],
    ['anything', '', false],
    ['a+b? c', 'a+b?', true],
  ])('%j mentions %j: %s', (text, nick, expected) => {
    expect(mentions(text, nick)).toBe(expected);
  });
});

describe('resolveNoColor', () => {
  test('the option wins over the environment', () => {
    expect(resolveNoColor(false, { NO_COLOR: '1' })).toBe(false);
    expect(resolveNoColor(true, {})).toBe(true);
  });

  test('NO_COLOR set and not empty turns color off', () => {
    expect(resolveNoColor(undefined, { NO_COLOR: '1' })).toBe(true);
    expect(resolveNoColor(undefined, { NO_COLOR: '' })).toBe(false);
    expect(resolveNoColor(undefined, {})).toBe(false);
  });
});

test('formatters', () => {
  expect(formatTime(new Date(2025, 0, 1, 7, 5).getTime())).toBe('07:05');
  expect(formatRtt(null)).toBe('');
  expect(formatRtt(0.4)).toBe('<1ms');
  expect(formatRtt(12.4)).toBe('12ms');
  expect(formatRtt(1234)).toBe('1.2s');
  expect(plural(1, 'peer')).toBe('1 peer');
  expect(plural(2, 'peer')).toBe('2 peers');
});

describe('nickColor', () => {
  test('is stable and from the palette', () => {
    const id = 'ab'.repeat(32);
    expect(nickColor(id)).toBe(nickColor(id));
    expect(NICK_PALETTE).toContain(nickColor(id));
  });

  test('spreads ids over the palette', () => {
    const colours = new Set(
      Array.from({ length: 200 }, (_, i) => nickColor(i.toString(16).padStart(64, '0'))),
    );
    expect(colours.size).toBeGreaterThanOrEqual(NICK_PALETTE.length - 2);
  });
});

describe('cell widths', () => {
  test('ASCII, CJK, emoji, combining marks', () => {
    expect(cellWidth('abc')).toBe(3);
    expect(cellWidth('漢字')).toBe(4);
    expect(cellWidth('👍')).toBe(2);
    expect(cellWidth('e\u0301')).toBe(1);
  });

  test('truncate and pad by cells', () => {
    expect(truncateToWidth('abcdef', 4)).toBe('abc…');
    expect(truncateToWidth('漢字漢字', 5)).toBe('漢字…');
    expect(truncateToWidth('abc', 3)).toBe('abc');
    expect(padToWidth('漢', 4)).toBe('漢  ');
    expect(cellWidth(padToWidth('漢字漢字', 5))).toBe(5);
  });
});
