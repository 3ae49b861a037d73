import { describe, expect, test } from 'vitest';
import { parseInputChunk, splitLines } from '../../src/tui/keys.js';

const key = (name: string, mods: Partial<{ ctrl: boolean; alt: boolean; shift: boolean }> = {}) => ({
  type: 'key',
  name,
  ctrl: false,
  alt: false,
  shift: false,
  ...mods,
});

describe('parseInputChunk', () => {
  test.each([
    ['\r', [key('enter')]],
    ['\t', [key('tab')]],
    ['\u001B[Z', [key('backtab', { shift: true })]],
    ['\u007F', [key('backspace')]],
    ['\b', [key('backspace')]],
    ['\u001B[3~', [key('delete')]],
    ['\u001B[A', [key('up')]],
    ['\u001BOB', [key('down')]],
    ['\u001B[1;5C', [key('right', { ctrl: true })]],
    ['\u001B[1;3D', [key('left', { alt: true })]],
    ['\u001B[H', [key('home')]],
    ['\u001B[1~', [key('home')]],
    ['\u001B[F', [key('end')]],
    ['\u001B[4~', [key('end')]],
    ['\u001B[5~', [key('pageup')]],
    ['\u001B[6~', [key('pagedown')]],
    ['\u001B', [key('escape')]],
    ['\u001B\u007F', [key('backspace', { alt: true })]],
    ['\u001B\u001B[A', [key('up', { alt: true })]],
    ['\u0001', [{ type: 'ctrl', letter: 'a' }]],
    ['\u000E', [{ type: 'ctrl', letter: 'n' }]],
    ['\u0010', [{ type: 'ctrl', letter: 'p' }]],
    ['\u0003', [{ type: 'ctrl', letter: 'c' }]],
    ['\u001B1', [{ type: 'alt', char: '1' }]],
    ['\u001B[200~', [{ type: 'paste-start' }]],
    ['\u001B[201~', [{ type: 'paste-end' }]],
    ['\u001B[99~', [{ type: 'unknown', sequence: '\u001B[99~' }]],
    ['héllo 漢', [{ type: 'text', text: 'héllo 漢' }]],
  ])('%j', (chunk, expected) => {
    expect(parseInputChunk(chunk)).toEqual(expected);
  });

  test('typed text then Enter in one piece is text, then Enter (not a paste)', () => {
    expect(parseInputChunk('hello\r')).toEqual([{ type: 'text', text: 'hello' }, key('enter')]);
  });

  test('text with a control in the middle is split around it', () => {
    expect(parseInputChunk('ab\u007Fc')).toEqual([
      { type: 'text', text: 'ab' },
      key('backspace'),
      { type: 'text', text: 'c' },
    ]);
  });

  test('several lines at once are a paste', () => {
    expect(parseInputChunk('one\rtwo\r')).toEqual([{ type: 'paste', text: 'one\rtwo\r' }]);
    expect(parseInputChunk('one\ntwo')).toEqual([{ type: 'paste', text: 'one\ntwo' }]);
  });

  test('blank lines alone are Enter presses', () => {
    expect(parseInputChunk('\r\r')).toEqual([key('enter'), key('enter')]);
  });
});

test('splitLines ignores one trailing line break', () => {
  expect(splitLines('a\r\nb\n')).toEqual(['a', 'b']);
  expect(splitLines('a')).toEqual(['a']);
  expect(splitLines('a\n\n')).toEqual(['a', '']);
});
