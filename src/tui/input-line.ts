/**
 * The input line's editing, as pure functions over `{ text, cursor }` (cursor in UTF-16 units, always on
 * a grapheme boundary, so a wide character or an emoji moves and deletes as one).
 */
import { graphemeBoundaries, graphemes } from './text-width.js';

export interface InputState {
  text: string;
  cursor: number;
}

export const EMPTY_INPUT: InputState = { text: '', cursor: 0 };

export function insertText(state: InputState, inserted: string): InputState {
  return {
    text: state.text.slice(0, state.cursor) + inserted + state.text.slice(state.cursor),
    cursor: state.cursor + inserted.length,
  };
}

function previousBoundary(text: string, cursor: number): number {
  const bounds = graphemeBoundaries(text);
  let prev = 0;
  for (const b of bounds) {
    if (b >= cursor) break;
    prev = b;
  }
  return prev;
}

function nextBoundary(text: string, cursor: number): number {
  for (const b of graphemeBoundaries(text)) if (b > cursor) return b;
  return text.length;
}

export function moveLeft(state: InputState): InputState {
  return { ...state, cursor: previousBoundary(state.text, state.cursor) };
}

export function moveRight(state: InputState): InputState {
  return { ...state, cursor: nextBoundary(state.text, state.cursor) };
}

export function moveHome(state: InputState): InputState {
  return { ...state, cursor: 0 };
}

export function moveEnd(state: InputState): InputState {
  return { ...state, cursor: state.text.length };
}

/** Backspace: deletes the grapheme before the cursor. */
export function deleteBackward(state: InputState): InputState {
  if (state.cursor === 0) return state;
  const from = previousBoundary(state.text, state.cursor);
  return { text: state.text.slice(0, from) + state.text.slice(state.cursor), cursor: from };
}

/** Delete: deletes the grapheme under the cursor. */
export function deleteForward(state: InputState): InputState {
  if (state.cursor >= state.text.length) return state;
  const to = nextBoundary(state.text, state.cursor);
  return { text: state.text.slice(0, state.cursor) + state.text.slice(to), cursor: state.cursor };
}

/** Ctrl+U: deletes from the start of the line to the cursor. */
export function killToStart(state: InputState): InputState {
  return { text: state.text.slice(state.cursor), cursor: 0 };
}

/** Ctrl+K: deletes from the cursor to the end of the line. */
export function killToEnd(state: InputState): InputState {
  return { text: state.text.slice(0, state.cursor), cursor: state.cursor };
}

/** Start of the word before the cursor (skipping the spaces right before it). */
function wordStartBefore(text: string, cursor: number): number {
  let i = cursor;
  while (i > 0 && /\s/.test(text[i - 1])) i--;
  while (i > 0 && !/\s/.test(text[i - 1])) i--;
  return i;
}

/** Ctrl+W: deletes the word before the cursor. */
export function deleteWordBackward(state: InputState): InputState {
  const from = wordStartBefore(state.text, state.cursor);
  return { text: state.text.slice(0, from) + state.text.slice(state.cursor), cursor: from };
}

/** Ctrl+Left / Alt+B. */
export function moveWordLeft(state: InputState): InputState {
  return { ...state, cursor: wordStartBefore(state.text, state.cursor) };
}

/** Ctrl+Right / Alt+F. */
export function moveWordRight(state: InputState): InputState {
  let i = state.cursor;
  const { text } = state;
  while (i < text.length && /\s/.test(text[i])) i++;
  while (i < text.length && !/\s/.test(text[i])) i++;
  return { ...state, cursor: i };
}

/** What the input line shows in `width` cells: the part before the cursor, the cursor cell, the rest. */
export interface InputView {
  before: string;
  atCursor: string;
  after: string;
}

/**
 * Scrolls the line horizontally so the cursor stays visible in `width` cells: the line from its start
 * when the cursor fits, else the cursor at the right edge. The cursor cell is a space at the end.
 */
export function viewInput(state: InputState, width: number): InputView {
  const cells = Math.max(1, width);
  const items = graphemes(state.text);
  let cursorIndex = 0;
  for (let offset = 0; cursorIndex < items.length && offset < state.cursor; cursorIndex++) {
    offset += items[cursorIndex].text.length;
  }
  const cursorItem = items[cursorIndex] ?? { text: ' ', width: 1 };
  let start = cursorIndex;
  let used = Math.min(cursorItem.width, cells);
  while (start > 0 && used + items[start - 1].width <= cells) used += items[--start].width;
  let after = '';
  for (let i = cursorIndex + 1; i < items.length && used + items[i].width <= cells; i++) {
    after += items[i].text;
    used += items[i].width;
  }
  return {
    before: items
      .slice(start, cursorIndex)
      .map((g) => g.text)
      .join(''),
    atCursor: cursorItem.text,
    after,
  };
}
