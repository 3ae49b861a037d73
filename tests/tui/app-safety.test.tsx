import chalk from 'chalk';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { cellWidth } from '../../src/tui/text-width.js';
import { makePeer, nodeIdFor } from '../helpers/fake-chat-api.js';
import { plain } from '../helpers/tui-wait.js';
import { defaultApi, KEYS, renderTui, type RenderedTui } from './harness.js';

let tui: RenderedTui | undefined;
afterEach(() => tui?.unmount());

const lines = (frame: string) => frame.split('\n');

describe('text from peers is sanitised before it is drawn', () => {
  test('ANSI and OSC escapes, BEL and bidi overrides never reach the terminal', async () => {
    const t = (tui = await renderTui({ columns: 120 }));
    t.api.deliver({
      text: 'x\u001B[38;5;196mred\u001B[0m \u001B]0;pwned\u0007title \u001B]8;;http://evil\u001B\\link\u001B]8;;\u001B\\ ding\u0007 abc\u202Eevil\u001B[2J end',
    });
    const frame = await t.waitFor('xred title link ding abcevil end');
    const raw = t.instance.lastFrame() ?? '';
    expect(raw).not.toContain('38;5;196');
    expect(raw).not.toContain('\u001B]');
    expect(raw).not.toContain('\u0007');
    expect(raw).not.toContain('\u202E');
    expect(raw).not.toContain('\u001B[2J');
    expect(raw).not.toContain('pwned');
    expect(raw).not.toContain('http://evil');
    expect(frame).toContain('<alice>');
  });

  test('nicks and peer fields are sanitised too', async () => {
    const api = defaultApi();
    const id = nodeIdFor('mallory');
    api.addPeer(makePeer('mal\u001B[2Jlory\u202E', { id, lastError: 'x\u0007' }), false);
    const t = (tui = await renderTui({ api, columns: 120 }));
    api.deliver({ from: id, nick: '\u001B]0;x\u0007mal\u001B[2Jlory', text: 'hi' });
    await t.waitFor('<mallory> hi');
    await t.waitFor(/○|● mallory/);
    const raw = t.instance.lastFrame() ?? '';
    expect(raw).not.toContain('\u001B[2J');
    expect(raw).not.toContain('\u202E');
    expect(raw).not.toContain('\u0007');
  });
});

describe('narrow terminals, wide characters, resizing', () => {
  test('at 40 columns long lines wrap and no row is wider than the terminal', async () => {
    const t = (tui = await renderTui({ columns: 40, rows: 16 }));
    t.api.deliver({ text: 'a rather long message that has to wrap over several rows of a narrow terminal' });
    t.api.deliver({ text: '漢字と絵文字👍が混ざった長いメッセージも正しく折り返される必要があります' });
    const frame = await t.waitFor('折り返');
    expect(frame).toContain('<alice> a rather long message that');
    expect(frame).not.toContain('peers 2/2');
    for (const line of lines(frame)) expect(cellWidth(line)).toBeLessThanOrEqual(40);
    expect(lines(frame).filter((l) => l.startsWith('    │ ')).length).toBeGreaterThanOrEqual(3);
  });

  test('follows the terminal when it is resized', async () => {
    const api = defaultApi();
    const { render } = await import('ink-testing-library');
    const React = await import('react');
    const { Tui } = await import('../../src/tui/index.js');
    const { waitForFrame } = await import('../helpers/tui-wait.js');
    const instance = render(React.createElement(Tui, { api, room: 'general', bell: () => {} }));
    const stdout = instance.stdout as unknown as NodeJS.EventEmitter & { columns: number; rows: number };
    try {
      await waitForFrame(instance.lastFrame, 'peers 2/2');
      api.deliver({ text: 'one two three four five six seven eight nine ten eleven twelve' });
      await waitForFrame(instance.lastFrame, 'twelve');
      Object.defineProperty(stdout, 'columns', { value: 40, configurable: true });
      Object.defineProperty(stdout, 'rows', { value: 12, configurable: true });
      stdout.emit('resize');
      const narrow = await waitForFrame(instance.lastFrame, (f) => !f.includes('peers 2/2'));
      for (const line of lines(narrow)) expect(cellWidth(line)).toBeLessThanOrEqual(40);
      expect(lines(narrow)).toHaveLength(12);
      Object.defineProperty(stdout, 'columns', { value: 90, configurable: true });
      stdout.emit('resize');
      await waitForFrame(instance.lastFrame, 'peers 2/2');
    } finally {
      instance.unmount();
    }
  });
});

describe('NO_COLOR', () => {
  const level = chalk.level;
  beforeEach(() => {
    chalk.level = 1;
  });
  afterEach(() => {
    chalk.level = level;
  });
  const COLOR_CODE = /\u001B\[(?:3[0-9]|9[0-7]|4[0-9]|10[0-7])(?:;[0-9;]*)?m/;

  test('with noColor no color code is drawn, but reverse video and bold stay', async () => {
    const t = (tui = await renderTui({ noColor: true }));
    t.api.deliver({ text: 'hey me, colourless' });
    await t.waitFor('colourless');
    const raw = t.instance.lastFrame() ?? '';
    expect(raw).not.toMatch(COLOR_CODE);
    expect(raw).toContain('\u001B[7m');
  });

  test('without it, nicks and marks are coloured', async () => {
    const t = (tui = await renderTui({ noColor: false }));
    t.api.deliver({ text: 'hey me, colourful' });
    await t.waitFor('colourful');
    expect(t.instance.lastFrame() ?? '').toMatch(COLOR_CODE);
  });
});

describe('pasting several lines', () => {
  test('asks "send N lines? (y/n)"; y sends them all, in order, as text', async () => {
    const t = (tui = await renderTui());
    t.press('one\r/two is not a command\rthree\r');
    await t.waitFor('send 3 lines? (y/n) one');
    expect(t.api.callsOf('send')).toEqual([]);
    t.press('y');
    await t.waitFor('<me> three');
    expect(t.api.callsOf('send').map(([, text]) => text)).toEqual(['one', '/two is not a command', 'three']);
  });

  test('n sends nothing', async () => {
    const t = (tui = await renderTui());
    t.press('one\rtwo');
    await t.waitFor('send 2 lines? (y/n)');
    t.press('x');
    expect(plain(t.instance.lastFrame())).toContain('send 2 lines? (y/n)');
    t.press('n');
    await t.waitFor('paste of 2 lines not sent');
    expect(t.api.callsOf('send')).toEqual([]);
  });

  test('a bracketed paste is gathered whole, even across pieces', async () => {
    const t = (tui = await renderTui());
    t.press(KEYS.pasteStart, 'first line\rsec', 'ond line', KEYS.pasteEnd);
    await t.waitFor('send 2 lines? (y/n) first line');
    t.press(KEYS.escape);
    await t.waitFor('paste of 2 lines not sent');
  });

  test('a one-line bracketed paste goes into the input line, unsent', async () => {
    const t = (tui = await renderTui());
    t.press(KEYS.pasteStart, 'pasted words\r', KEYS.pasteEnd);
    await t.waitFor((f) => f.split('\n').at(-1)?.trimEnd() === '[#general] pasted words');
    expect(t.api.callsOf('send')).toEqual([]);
  });
});
