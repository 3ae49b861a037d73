import { describe, expect, test } from 'vitest';
import type { ChatMessage } from '../../src/daemon/index.js';
import { Conversation } from '../../src/tui/conversation.js';

let counter = 0;
function msg(ts: number, text = `t${ts}`): ChatMessage {
  counter++;
  return {
    id: `00000000-0000-7000-8000-${String(counter).padStart(12, '0')}`,
    room: 'general',
    peer: null,
    direct: false,
    from: 'a'.repeat(64),
    nick: 'alice',
    ts,
    text,
    action: false,
    own: false,
    status: null,
    via: 'live',
    future: false,
  };
}

const texts = (c: Conversation) =>
  c.entries.map((e) => (e.kind === 'message' ? e.message.text : `[${e.text}]`));

describe('Conversation', () => {
  test('append keeps arrival order and drops duplicates', () => {
    const c = new Conversation({ kind: 'room', room: 'general' });
    const m = msg(5);
    expect(c.append(m, false)).not.toBeNull();
    expect(c.append(msg(1), false)).not.toBeNull();
    expect(c.append(m, false)).toBeNull();
    expect(texts(c)).toEqual(['t5', 't1']);
  });

  test('insertByTime places a synced message by its time', () => {
    const c = new Conversation({ kind: 'room', room: 'general' });
    c.older = 'complete';
    c.append(msg(10), false);
    c.append(msg(30), false);
    c.insertByTime(msg(20), false);
    c.insertByTime(msg(5), false);
    c.insertByTime(msg(40), false);
    expect(texts(c)).toEqual(['t5', 't10', 't20', 't30', 't40']);
    const seqs = c.entries.map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  test('a synced message older than the loaded page is left for paging while there is older history', () => {
    const c = new Conversation({ kind: 'room', room: 'general' });
    c.append(msg(100), false);
    c.append(msg(200), false);
    expect(c.insertByTime(msg(10), false)).toBeNull(); // the page that holds it will bring it
    expect(texts(c)).toEqual(['t100', 't200']);
    expect(c.insertByTime(msg(150), false)).not.toBeNull();
    expect(texts(c)).toEqual(['t100', 't150', 't200']);
  });

  test('many inserts at one place keep the order (seq gaps are renumbered)', () => {
    const c = new Conversation({ kind: 'room', room: 'general' });
    c.append(msg(0), false);
    c.append(msg(1000), false);
    for (let i = 999; i >= 1; i--) c.insertByTime(msg(i), false);
    expect(c.entries.map((e) => e.ts)).toEqual(Array.from({ length: 1001 }, (_, i) => i));
    for (const entry of c.entries) expect(c.entries[c.indexOf(entry)]).toBe(entry);
  });

  test('prependOlder puts a page before everything; indexOf still finds old entries', () => {
    const c = new Conversation({ kind: 'room', room: 'general' });
    const newer = c.append(msg(100), false)!;
    const added = c.prependOlder([msg(1), msg(2), msg(100 - 1)], () => false);
    expect(added).toBe(3);
    expect(texts(c)).toEqual(['t1', 't2', 't99', 't100']);
    expect(c.indexOf(newer)).toBe(3);
    expect(c.oldestMessage()?.text).toBe('t1');
  });

  test('updateMessage bumps the revision', () => {
    const c = new Conversation({ kind: 'direct', peer: 'b'.repeat(64) });
    const m = { ...msg(1), status: 'sent' as const };
    const entry = c.append(m, false)!;
    expect(c.updateMessage(m.id, (x) => ({ ...x, status: 'delivered' }))).toBe(true);
    expect(entry.revision).toBe(1);
    expect(entry.kind === 'message' && entry.message.status).toBe('delivered');
    expect(c.updateMessage('nope', (x) => x)).toBe(false);
  });

  test('clear hides what was there; reveal shows it again', () => {
    const c = new Conversation({ kind: 'room', room: 'general' });
    c.append(msg(1), false);
    c.append(msg(2), false);
    c.clear();
    expect(c.firstVisibleIndex()).toBe(2);
    c.append(msg(3), false);
    expect(c.firstVisibleIndex()).toBe(2);
    expect(c.reveal()).toBe(true);
    expect(c.firstVisibleIndex()).toBe(0);
  });

  test('keeps at most the limit while following, dropping the oldest in batches', () => {
    const c = new Conversation({ kind: 'room', room: 'general' }, 100);
    for (let i = 0; i < 111; i++) c.append(msg(i), false);
    expect(c.size).toBe(100);
    expect(c.entries[0].ts).toBe(11);
    expect(c.has(c.entries[0].kind === 'message' ? c.entries[0].message.id : '')).toBe(true);
  });

  test('does not trim while scrolled back (the view would lose its place)', () => {
    const c = new Conversation({ kind: 'room', room: 'general' }, 10);
    const first = c.append(msg(0), false)!;
    c.scroll = { entry: first, line: 0 };
    for (let i = 1; i < 50; i++) c.append(msg(i), false);
    expect(c.size).toBe(50);
  });
});
