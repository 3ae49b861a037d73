import { describe, expect, test } from 'vitest';
import * as edit from '../../src/tui/input-line.js';
import { cellWidth } from '../../src/tui/text-width.js';

const s = (text: string, cursor = text.length): edit.InputState => ({ text, cursor });

describe('input line editing', () => {
  test('insert at the cursor', () => {
    expect(edit.insertText(s('helo', 3), 'l')).toEqual(s('hello', 4));
  });

  test('left and right move by grapheme, so an emoji or an accent moves as one', () => {
    const text = 'a👩‍👩‍👧e\u0301';
    const end = s(text);
    const beforeAccent = edit.moveLeft(end);
    expect(beforeAccent.cursor).toBe(text.length - 2);
    const beforeEmoji = edit.moveLeft(beforeAccent);
    expect(beforeEmoji.cursor).toBe(1);
    expect(edit.moveRight(beforeEmoji).cursor).toBe(text.length - 2);
    expect(edit.moveLeft(s(text, 0)).cursor).toBe(0);
    expect(edit.moveRight(end).cursor).toBe(text.length);
  });

  test('backspace and delete remove one grapheme', () => {
    expect(edit.deleteBackward(s('ab👍'))).toEqual(s('ab'));
    expect(edit.deleteBackward(s('ab', 0))).toEqual(s('ab', 0));
    expect(edit.deleteForward(s('a👍b', 1))).toEqual(s('ab', 1));
    expect(edit.deleteForward(s('ab'))).toEqual(s('ab'));
  });

  test('home, end, Ctrl+U, Ctrl+K', () => {
    expect(edit.moveHome(s('abc')).cursor).toBe(0);
    expect(edit.moveEnd(s('abc', 0)).cursor).toBe(3);
    expect(edit.killToStart(s('hello world', 6))).toEqual(s('world', 0));
    expect(edit.killToEnd(s('hello world', 5))).toEqual(s('hello', 5));
  });

  test('Ctrl+W deletes the word before the cursor and the spaces after it', () => {
    expect(edit.deleteWordBackward(s('say hello  '))).toEqual(s('say '));
    expect(edit.deleteWordBackward(s('say hello there', 9))).toEqual(s('say  there', 4));
  });

  test('word moves', () => {
    expect(edit.moveWordLeft(s('one two three')).cursor).toBe(8);
    expect(edit.moveWordRight(s('one two three', 0)).cursor).toBe(3);
  });
});

describe('viewInput', () => {
  test('a short line shows whole, cursor cell a space at the end', () => {
    expect(edit.viewInput(s('hi'), 10)).toEqual({ before: 'hi', atCursor: ' ', after: '' });
  });

  test('the cursor over a character shows that character', () => {
    expect(edit.viewInput(s('hello', 1), 10)).toEqual({ before: 'h', atCursor: 'e', after: 'llo' });
  });

  test('a long line scrolls so the cursor stays in view and never overflows', () => {
    const text = 'abcdefghijklmnopqrstuvwxyz';
    const view = edit.viewInput(s(text), 10);
    expect(view.atCursor).toBe(' ');
    expect(view.before).toBe('rstuvwxyz');
    const middle = edit.viewInput(s(text, 3), 10);
    expect(middle.before + middle.atCursor + middle.after).toBe('abcdefghij');
  });

  test('wide characters count two cells', () => {
    const view = edit.viewInput(s('漢字漢字漢字'), 7);
    expect(cellWidth(view.before + view.atCursor + view.after)).toBeLessThanOrEqual(7);
    expect(view.before).toBe('字漢字');
  });
});
