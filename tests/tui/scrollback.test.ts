import { describe, expect, test } from 'vitest';
import {
  lastPosition,
  moveDown,
  moveUp,
  scrollDown,
  scrollUp,
  showsStart,
} from '../../src/tui/scrollback.js';

// Ten entries of 1, 2, 3, 1, 2, 3, ... rows.
const heights = [1, 2, 3, 1, 2, 3, 1, 2, 3, 1];
const rows = (i: number) => heights[i];

describe('scrollback positions', () => {
  test('lastPosition is the last row of the last entry', () => {
    expect(lastPosition(0, 10, rows)).toEqual({ index: 9, line: 0 });
    expect(lastPosition(0, 9, rows)).toEqual({ index: 8, line: 2 });
    expect(lastPosition(3, 3, rows)).toBeNull();
  });

  test('moveUp and moveDown cross entries row by row', () => {
    expect(moveUp({ index: 2, line: 2 }, 3, 0, rows)).toEqual({ at: { index: 1, line: 1 }, moved: 3 });
    expect(moveUp({ index: 1, line: 0 }, 5, 0, rows)).toEqual({ at: { index: 0, line: 0 }, moved: 1 });
    expect(moveDown({ index: 0, line: 0 }, 3, 10, rows)).toEqual({ at: { index: 2, line: 0 }, moved: 3 });
    expect(moveDown({ index: 9, line: 0 }, 3, 10, rows)).toEqual({ at: { index: 9, line: 0 }, moved: 0 });
  });

  test('moving up then down by the same rows comes back', () => {
    const from = { index: 7, line: 1 };
    for (let n = 0; n < 12; n++) {
      const up = moveUp(from, n, 0, rows);
      expect(moveDown(up.at, up.moved, 10, rows).at).toEqual(from);
    }
  });

  test('scrollUp stops with the first row at the top', () => {
    const bottom = lastPosition(0, 10, rows)!;
    const once = scrollUp(bottom, 4, 5, 0, 10, rows);
    expect(once.atStart).toBe(false);
    let position = once.bottom;
    let atStart = false;
    for (let i = 0; i < 10 && !atStart; i++)
      ({ bottom: position, atStart } = scrollUp(position, 4, 5, 0, 10, rows));
    expect(atStart).toBe(true);
    expect(showsStart(position, 5, 0, rows)).toBe(true);
    // Five rows from the top: 1 + 2 + 2 of the third entry.
    expect(position).toEqual({ index: 2, line: 1 });
  });

  test('a buffer shorter than the view pins to the start', () => {
    const short = (i: number) => [1, 1][i];
    expect(scrollUp({ index: 1, line: 0 }, 4, 10, 0, 2, short)).toEqual({
      bottom: { index: 1, line: 0 },
      atStart: true,
    });
  });

  test('scrollDown returns null at the bottom (follow again)', () => {
    expect(scrollDown({ index: 8, line: 0 }, 1, 10, rows)).toEqual({ index: 8, line: 1 });
    expect(scrollDown({ index: 8, line: 0 }, 10, 10, rows)).toBeNull();
  });
});
