import { afterEach, describe, expect, test } from 'vitest';
import { makePeer, nodeIdFor } from '../helpers/fake-chat-api.js';
import { waitUntil } from '../helpers/tui-wait.js';
import { defaultApi, KEYS, renderTui, type RenderedTui } from './harness.js';

let tui: RenderedTui | undefined;
afterEach(() => tui?.unmount());

/** The input line is the last row; the cursor cell at the end reads as a space. */
const inputIs = (t: RenderedTui, text: string) =>
  t.waitFor((frame) => frame.split('\n').at(-1)?.trimEnd() === `[#general] ${text}`.trimEnd(), {
    description: `the input line "${text}"`,
  });

describe('editing the input line', () => {
  test('Left/Right, Home/End, Ctrl+A/E, Backspace/Delete, Ctrl+W/U', async () => {
    const t = (tui = await renderTui());
    t.press('helo', KEYS.left, 'l');
    await inputIs(t, 'hello');
    t.press(KEYS.ctrlA, '>');
    await inputIs(t, '>hello');
    t.press(KEYS.ctrlE, '!');
    await inputIs(t, '>hello!');
    t.press(KEYS.backspace);
    await inputIs(t, '>hello');
    t.press(KEYS.home, KEYS.delete);
    await inputIs(t, 'hello');
    t.press(KEYS.end, ' there');
    await inputIs(t, 'hello there');
    t.press(KEYS.ctrlW, KEYS.backspace);
    await inputIs(t, 'hello');
    t.press(KEYS.left, KEYS.left, KEYS.ctrlU);
    await inputIs(t, 'lo');
    t.press(KEYS.right, KEYS.right, 'w');
    await inputIs(t, 'low');
  });

  test('Up and Down walk the lines sent before, and come back to the draft', async () => {
    const t = (tui = await renderTui());
    t.submit('first');
    t.submit('second');
    await t.waitFor('<me> second');
    t.press('dra');
    t.press(KEYS.up);
    await inputIs(t, 'second');
    t.press(KEYS.up);
    await inputIs(t, 'first');
    t.press(KEYS.down);
    await inputIs(t, 'second');
    t.press(KEYS.down);
    await inputIs(t, 'dra');
  });
});

describe('Tab completion', () => {
  test('a nick at the start of the line, and repeated Tab cycles', async () => {
    const api = defaultApi();
    api.addPeer(makePeer('alan'), false);
    const t = (tui = await renderTui({ api }));
    t.press('a', KEYS.tab);
    await inputIs(t, 'alan:');
    t.press(KEYS.tab);
    await inputIs(t, 'alice:');
    t.press(KEYS.tab);
    await inputIs(t, 'alan:');
  });

  test('a nick at any word; recent speakers come first', async () => {
    const api = defaultApi();
    api.addPeer(makePeer('bea'), false);
    const t = (tui = await renderTui({ api }));
    api.deliver({ text: 'hi', from: nodeIdFor('bob'), nick: 'bob' });
    await t.waitFor('<bob> hi');
    t.press('thanks b', KEYS.tab);
    await inputIs(t, 'thanks bob');
    t.press(KEYS.tab);
    await inputIs(t, 'thanks bea');
  });

  test('commands at the start of the line', async () => {
    const t = (tui = await renderTui());
    t.press('/wh', KEYS.tab);
    await inputIs(t, '/whois');
    t.press('al', KEYS.tab);
    await inputIs(t, '/whois alice');
  });

  test('another key ends the cycle', async () => {
    const t = (tui = await renderTui());
    t.press('b', KEYS.tab);
    await inputIs(t, 'bob:');
    t.press('x', KEYS.tab);
    await inputIs(t, 'bob: x');
  });
});

describe('conversations, hotlist and bell', () => {
  test('Ctrl+N/Ctrl+P and Alt+1..9 switch between conversations', async () => {
    const t = (tui = await renderTui());
    t.submit('/join dev');
    await t.waitFor('[2:#dev]');
    t.press(KEYS.ctrlP);
    await t.waitFor('[1:#general]');
    t.press(KEYS.ctrlN);
    await t.waitFor('[2:#dev]');
    t.press(KEYS.ctrlN);
    await t.waitFor('[1:#general]');
    t.press(KEYS.alt('2'));
    await t.waitFor('[2:#dev]');
    t.press(KEYS.alt('1'));
    await t.waitFor('[1:#general]');
    t.press(KEYS.alt('9'));
    await t.waitFor('[1:#general]');
  });

  test('the hotlist counts unread lines and mentions elsewhere; the bell rings for a mention', async () => {
    const t = (tui = await renderTui());
    t.submit('/join dev');
    await t.waitFor('[2:#dev]');
    t.press(KEYS.alt('1'));
    await t.waitFor('[1:#general]');
    t.api.deliver({ room: 'dev', text: 'just chatting' });
    await t.waitFor('[act: 2:#dev(1)]');
    expect(t.bell).not.toHaveBeenCalled();
    t.api.deliver({ room: 'dev', text: 'hey me, look' });
    await t.waitFor('[act: 2:#dev(2,1!)]');
    expect(t.bell).toHaveBeenCalledTimes(1);
    t.press(KEYS.alt('2'));
    await t.waitFor('hey me, look');
    expect(t.frame()).not.toContain('[act:');
  });

  test('a direct message in a conversation not shown opens it, counts and rings', async () => {
    const t = (tui = await renderTui());
    t.api.deliver({ direct: true, from: nodeIdFor('alice'), nick: 'alice', text: 'private hello' });
    await t.waitFor('[act: 2:@alice(1)]');
    expect(t.bell).toHaveBeenCalledTimes(1);
  });

  test('no bell for a mention in the conversation shown', async () => {
    const t = (tui = await renderTui());
    t.api.deliver({ text: 'me: hello' });
    await t.waitFor('<alice> me: hello');
    expect(t.bell).not.toHaveBeenCalled();
  });
});

describe('quitting', () => {
  test('Ctrl+C quits', async () => {
    const t = (tui = await renderTui());
    t.press(KEYS.ctrlC);
    await waitUntil(() => t.onQuit.mock.calls.length === 1, { description: 'onQuit' });
  });

  test('Ctrl+D quits on an empty line, and deletes forward otherwise', async () => {
    const t = (tui = await renderTui());
    t.press('ab', KEYS.home, KEYS.ctrlD);
    await inputIs(t, 'b');
    expect(t.onQuit).not.toHaveBeenCalled();
    t.press(KEYS.ctrlD, KEYS.ctrlD);
    await waitUntil(() => t.onQuit.mock.calls.length === 1, { description: 'onQuit' });
  });
});
