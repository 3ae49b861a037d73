import { afterEach, describe, expect, test } from 'vitest';
import { MAX_TEXT_CHARS } from '../../src/wire/index.js';
import { waitUntil } from '../helpers/tui-wait.js';
import { KEYS, renderTui, type RenderedTui } from './harness.js';

let tui: RenderedTui | undefined;
afterEach(() => tui?.unmount());

const WAIT = { timeoutMs: 30_000 };

describe('a line longer than one message', () => {
  test('the first Enter keeps it and says the limit; the second sends it in parts, in order', async () => {
    const t = (tui = await renderTui({ columns: 220, rows: 30 }));
    const words = Array.from({ length: 1100 }, (_, i) => `w${i}`); // 5,489 characters
    const line = words.join(' ');
    t.press(line);
    await t.waitFor(`${line.length}/${MAX_TEXT_CHARS}`, WAIT);
    t.press(KEYS.enter);
    await t.waitFor(`a message holds at most 4,000 characters; this one has 5,489`, WAIT);
    const frame = await t.waitFor('Enter again sends it as 2 messages', WAIT);
    // The text is still in the input line, and nothing was sent.
    expect(frame).toContain(`${line.length}/${MAX_TEXT_CHARS}`);
    expect(t.api.callsOf('send')).toEqual([]);

    t.press(KEYS.enter);
    await waitUntil(() => t.api.callsOf('send').length === 2, { ...WAIT, description: 'two sends' });
    const sent = t.api.callsOf('send').map((args) => args[1] as string);
    expect(sent.join(' ')).toBe(line);
    for (const part of sent) expect(part.length).toBeLessThanOrEqual(MAX_TEXT_CHARS);
    expect(sent[1].startsWith('w')).toBe(true); // cut at a space, not inside a word
    await t.waitFor((f) => !f.includes(`/${MAX_TEXT_CHARS}`), WAIT);
  });

  test('an edit after the notice asks again rather than sending', async () => {
    const t = (tui = await renderTui({ columns: 220, rows: 30 }));
    t.press('x'.repeat(MAX_TEXT_CHARS + 1));
    t.press(KEYS.enter);
    await t.waitFor('Enter again sends it as 2 messages', WAIT);
    t.press('y', KEYS.enter);
    await t.waitFor((f) => f.split('Enter again sends it').length === 3, WAIT);
    expect(t.api.callsOf('send')).toEqual([]);
  });

  test('/me over the limit goes out as actions; /msg over the limit is kept and not sent', async () => {
    const t = (tui = await renderTui({ columns: 220, rows: 30 }));
    const long = 'z'.repeat(MAX_TEXT_CHARS + 10);
    t.press(`/msg alice ${long}`, KEYS.enter);
    await t.waitFor('shorten it (it stays in the input line)', WAIT);
    expect(t.api.callsOf('send')).toEqual([]);
    t.press(KEYS.ctrlU, `/me ${long}`, KEYS.enter);
    await t.waitFor('Enter again sends it as 2 messages', WAIT);
    t.press(KEYS.enter);
    await waitUntil(() => t.api.callsOf('send').length === 2, { ...WAIT, description: 'two actions' });
    for (const args of t.api.callsOf('send')) expect(args[2]).toEqual({ action: true });
  });
});

describe('multi-line messages', () => {
  test('Alt+Enter inserts a line break; the message is sent with it and drawn on two rows', async () => {
    const t = (tui = await renderTui({ columns: 100, rows: 20 }));
    t.press('first line', KEYS.alt('\r'), 'second line');
    await t.waitFor('first line↵second line', WAIT);
    t.press(KEYS.enter);
    await waitUntil(() => t.api.callsOf('send').length === 1, { ...WAIT, description: 'the send' });
    expect(t.api.callsOf('send')[0][1]).toBe('first line\nsecond line');
    const frame = await t.waitFor('<me> first line', WAIT);
    const rows = frame.split('\n');
    const at = rows.findIndex((row) => row.includes('<me> first line'));
    // The second line is on the next row, indented under the nick column behind a continuation bar.
    expect(rows[at + 1]).toMatch(/^ {4}│ second line/);
  });
});
