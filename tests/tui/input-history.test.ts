import { expect, test } from 'vitest';
import { InputHistory } from '../../src/tui/input-history.js';

test('Up walks back, Down walks forward and returns the draft', () => {
  const history = new InputHistory();
  history.add('first');
  history.add('second');
  expect(history.previous('draft')).toBe('second');
  expect(history.previous('second')).toBe('first');
  expect(history.previous('first')).toBeNull();
  expect(history.next()).toBe('second');
  expect(history.next()).toBe('draft');
  expect(history.next()).toBeNull();
});

test('blank lines and repeats are not recorded', () => {
  const history = new InputHistory();
  history.add('a');
  history.add('a');
  history.add('   ');
  expect(history.size).toBe(1);
});

test('keeps at most the limit, dropping the oldest', () => {
  const history = new InputHistory(2);
  history.add('1');
  history.add('2');
  history.add('3');
  expect(history.previous('')).toBe('3');
  expect(history.previous('')).toBe('2');
  expect(history.previous('')).toBeNull();
});
