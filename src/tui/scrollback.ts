/**
 * Scrolling in rows over entries of varying height, without laying out more than what is walked past:
 * a position is (entry index, row within the entry), and a page up walks back one page of rows.
 */

/** The bottom row of the view shows row `line` of entry `index`. */
export interface LinePosition {
  index: number;
  line: number;
}

/** Rows an entry takes at the current width. */
export type RowCount = (index: number) => number;

/** The last row of the last entry; null when [start, end) is empty. */
export function lastPosition(start: number, end: number, rows: RowCount): LinePosition | null {
  if (end <= start) return null;
  return { index: end - 1, line: Math.max(0, rows(end - 1) - 1) };
}

/** Moves up to `n` rows towards (start, 0); reports how many it moved. */
export function moveUp(
  from: LinePosition,
  n: number,
  start: number,
  rows: RowCount,
): { at: LinePosition; moved: number } {
  let { index, line } = from;
  let left = n;
  while (left > 0) {
    if (line >= left) {
      line -= left;
      left = 0;
    } else {
      left -= line;
      line = 0;
      if (index <= start) break;
      index--;
      line = rows(index) - 1;
      left--;
    }
  }
  return { at: { index, line }, moved: n - left };
}

/** Moves down up to `n` rows towards the last row of entry end-1; reports how many it moved. */
export function moveDown(
  from: LinePosition,
  n: number,
  end: number,
  rows: RowCount,
): { at: LinePosition; moved: number } {
  let { index, line } = from;
  let left = n;
  while (left > 0) {
    const last = rows(index) - 1;
    if (last - line >= left) {
      line += left;
      left = 0;
    } else {
      left -= last - line;
      line = last;
      if (index >= end - 1) break;
      index++;
      line = 0;
      left--;
    }
  }
  return { at: { index, line }, moved: n - left };
}

/** Whether the view whose bottom row is `bottom` shows the first row of entry `start`. */
export function showsStart(bottom: LinePosition, height: number, start: number, rows: RowCount): boolean {
  const { at } = moveUp(bottom, height - 1, start, rows);
  return at.index === start && at.line === 0;
}

/**
 * A page (or any number of rows) up. The view never scrolls past the first row: at most the first entry's
 * first row is at the top. `atStart` says whether the top of the view now is that first row.
 */
export function scrollUp(
  bottom: LinePosition,
  n: number,
  height: number,
  start: number,
  end: number,
  rows: RowCount,
): { bottom: LinePosition; atStart: boolean } {
  const { at } = moveUp(bottom, n, start, rows);
  const top = moveUp(at, height - 1, start, rows);
  if (top.moved < height - 1) {
    // Not a full screen above: pin the first row to the top instead.
    const pinned = moveDown({ index: start, line: 0 }, height - 1, end, rows).at;
    return { bottom: pinned, atStart: true };
  }
  return { bottom: at, atStart: top.at.index === start && top.at.line === 0 };
}

/** A page down; null once the bottom is reached (the view follows new lines again). */
export function scrollDown(
  bottom: LinePosition,
  n: number,
  end: number,
  rows: RowCount,
): LinePosition | null {
  const { at } = moveDown(bottom, n, end, rows);
  if (at.index >= end - 1 && at.line >= rows(end - 1) - 1) return null;
  return at;
}
