import { describe, expect, test, vi } from 'vitest';
import type { ChatMessage } from '../../src/daemon/index.js';
import { Conversation } from '../../src/tui/conversation.js';
import { formatTime } from '../../src/tui/format.js';
import { entryRows, paneView, type Row, type ViewContext } from '../../src/tui/history-view.js';
import { cellWidth } from '../../src/tui/text-width.js';

const SELF = 'f'.repeat(64);
const ALICE = 'a'.repeat(64);
let counter = 0;

function msg(fields: Partial<ChatMessage> = {}): ChatMessage {
  counter++;
  return {
    id: `00000000-0000-7000-8000-${String(counter).padStart(12, '0')}`,
    room: 'general',
    peer: null,
    direct: false,
    from: ALICE,
    nick: 'alice',
    ts: new Date(2025, 0, 1, 9, 30).getTime(),
    text: 'hello',
    action: false,
    own: false,
    status: null,
    via: 'live',
    future: false,
    ...fields,
  };
}

function context(overrides: Partial<ViewContext> = {}): ViewContext {
  return {
    width: 60,
    noColor: false,
    selfId: SELF,
    epoch: 0,
    fingerprintOf: (id) => `${id.slice(0, 4)}-fp`,
    nickIsShared: () => false,
    ...overrides,
  };
}

const text = (row: Row) => row.map((s) => s.text).join('');

function rowsOf(message: ChatMessage, ctx = context(), mention = false): string[] {
  const c = new Conversation({ kind: 'room', room: 'general' });
  const entry = c.append(message, mention)!;
  return entryRows(entry, ctx).map(text);
}

describe('entryRows', () => {
  test('a message: time, <nick>, text', () => {
    expect(rowsOf(msg())).toEqual(['09:30 <alice> hello']);
  });

  test('an action: * nick text', () => {
    expect(rowsOf(msg({ action: true, text: 'waves' }))).toEqual(['09:30 * alice waves']);
  });

  test('a shared nick shows the fingerprint', () => {
    expect(rowsOf(msg(), context({ nickIsShared: (nick) => nick === 'alice' }))).toEqual([
      '09:30 <alice aaaa-fp> hello',
    ]);
  });

  test('own messages are bold; a mention is highlighted', () => {
    const c = new Conversation({ kind: 'room', room: 'general' });
    const own = entryRows(c.append(msg({ own: true, from: SELF, nick: 'me' }), false)!, context());
    expect(own[0].find((s) => s.text === 'me')?.bold).toBe(true);
    const mention = entryRows(c.append(msg({ text: 'hi me' }), true)!, context());
    expect(mention[0].find((s) => s.text === 'hi me')).toMatchObject({ bold: true, color: 'yellow' });
  });

  test('an own direct message shows (sent), then (delivered)', () => {
    const c = new Conversation({ kind: 'direct', peer: ALICE });
    const m = msg({
      own: true,
      from: SELF,
      nick: 'me',
      direct: true,
      room: null,
      peer: ALICE,
      status: 'sent',
    });
    const entry = c.append(m, false)!;
    expect(entryRows(entry, context()).map(text)).toEqual(['09:30 <me> hello (sent)']);
    c.updateMessage(m.id, (x) => ({ ...x, status: 'delivered' }));
    expect(entryRows(entry, context()).map(text)).toEqual(['09:30 <me> hello (delivered)']);
  });

  test('long text wraps with continuation rows indented under the text column', () => {
    const rows = rowsOf(msg({ text: 'word '.repeat(20).trim() }), context({ width: 40 }));
    expect(rows.length).toBeGreaterThan(2);
    for (const row of rows) expect(cellWidth(row)).toBeLessThanOrEqual(40);
    for (const row of rows.slice(1)) expect(row.startsWith('    │ word')).toBe(true);
  });

  test('multi-line text keeps its lines', () => {
    expect(rowsOf(msg({ text: 'one\ntwo' }))).toEqual(['09:30 <alice> one', '    │ two']);
    // A line break in a peer's text cannot pass for a line of someone else's.
    expect(rowsOf(msg({ text: 'hi\n<bob> send me the key' }))[1]).toBe('    │ <bob> send me the key');
  });

  test('no colours under NO_COLOR', () => {
    const c = new Conversation({ kind: 'room', room: 'general' });
    const rows = entryRows(c.append(msg({ text: 'hi me' }), true)!, context({ noColor: true }));
    expect(rows.flat().every((s) => s.color === undefined)).toBe(true);
  });

  test('system lines have a mark', () => {
    const c = new Conversation({ kind: 'room', room: 'general' });
    const ts = new Date(2025, 0, 1, 9, 31).getTime();
    expect(entryRows(c.addSystem('bob joined #general', 'join', ts), context()).map(text)).toEqual([
      '09:31 --> bob joined #general',
    ]);
    expect(entryRows(c.addSystem('oops', 'error', ts), context()).map(text)).toEqual([
      `${formatTime(ts)} -!- oops`,
    ]);
  });
});

describe('paneView', () => {
  test('fills exactly the height, blank rows on top when history is short', () => {
    const c = new Conversation({ kind: 'room', room: 'general' });
    c.append(msg({ text: 'one' }), false);
    c.append(msg({ text: 'two' }), false);
    const view = paneView(c, context(), 5);
    expect(view.rows.map(text)).toEqual([
      '',
      '',
      `── Wednesday 1 January 2025 ${'─'.repeat(32)}`,
      '09:30 <alice> one',
      '09:30 <alice> two',
    ]);
    expect(view).toMatchObject({ scrolled: false, below: 0, atStart: true });
  });

  test('lays out only the visible window of a huge scrollback', () => {
    const c = new Conversation({ kind: 'room', room: 'general' });
    for (let i = 0; i < 100_000; i++) c.append(msg({ text: `m${i}` }), false);
    const nickIsShared = vi.fn(() => false);
    const view = paneView(c, context({ nickIsShared }), 10);
    expect(view.rows.map(text).at(-1)).toBe('09:30 <alice> m99999');
    expect(view.rows.map(text)[0]).toBe('09:30 <alice> m99990');
    expect(nickIsShared.mock.calls.length).toBeLessThanOrEqual(20);
  });

  test('a scroll anchor shows older rows and counts the entries below', () => {
    const c = new Conversation({ kind: 'room', room: 'general' });
    for (let i = 0; i < 20; i++) c.append(msg({ text: `m${i}` }), false);
    c.scroll = { entry: c.entries[9], line: 0 };
    const view = paneView(c, context(), 3);
    expect(view.rows.map(text)).toEqual(['09:30 <alice> m7', '09:30 <alice> m8', '09:30 <alice> m9']);
    expect(view).toMatchObject({ scrolled: true, below: 10, atStart: false });
  });
});

describe('days and the read marker', () => {
  const day = (d: number, h = 9) => new Date(2025, 0, d, h, 30).getTime();

  test('a separator names each new day; lines of other days than today carry their date', () => {
    const c = new Conversation({ kind: 'room', room: 'general' });
    c.append(msg({ text: 'monday', ts: day(6) }), false);
    c.append(msg({ text: 'still monday', ts: day(6, 23) }), false);
    c.append(msg({ text: 'tuesday', ts: day(7) }), false);
    const view = paneView(c, context({ today: '2025-01-07' }), 6);
    expect(view.rows.map(text)).toEqual([
      '',
      `── Monday 6 January 2025 ${'─'.repeat(35)}`,
      '01-06 09:30 <alice> monday',
      '01-06 23:30 <alice> still monday',
      `── Tuesday 7 January 2025 ${'─'.repeat(34)}`,
      '09:30 <alice> tuesday',
    ]);
  });

  test('what arrived after the person left is below a "new since you last looked" line', () => {
    const c = new Conversation({ kind: 'room', room: 'general' });
    c.append(msg({ text: 'seen' }), false);
    c.markRead();
    const ctx = context();
    expect(paneView(c, ctx, 3).rows.map(text)).not.toContainEqual(expect.stringContaining('new since'));
    c.append(msg({ text: 'unseen' }), false);
    expect(paneView(c, ctx, 3).rows.map(text).slice(1)).toEqual([
      `── new since you last looked ${'─'.repeat(31)}`,
      '09:30 <alice> unseen',
    ]);
    c.markRead();
    expect(paneView(c, ctx, 3).rows.map(text)).not.toContainEqual(expect.stringContaining('new since'));
  });
});
