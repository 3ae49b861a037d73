import { describe, expect, test } from 'vitest';
import type { ChatMessage } from '../../src/daemon/index.js';
import { Conversation } from '../../src/tui/conversation.js';
import type { ViewContext } from '../../src/tui/history-view.js';
import { pageScroll } from '../../src/tui/page-scroll.js';

let counter = 0;
const msg = (text: string): ChatMessage => ({
  id: `00000000-0000-7000-8000-${String(++counter).padStart(12, '0')}`,
  room: 'general',
  peer: null,
  direct: false,
  from: 'a'.repeat(64),
  nick: 'alice',
  ts: 0,
  text,
  action: false,
  own: false,
  status: null,
  via: 'live',
  future: false,
});

const ctx: ViewContext = {
  width: 60,
  noColor: true,
  selfId: null,
  epoch: 0,
  fingerprintOf: () => 'fp',
  nickIsShared: () => false,
};

function conversation(n: number): Conversation {
  const c = new Conversation({ kind: 'room', room: 'general' });
  for (let i = 0; i < n; i++) c.append(msg(`m${i}`), false);
  return c;
}

const bottomText = (c: Conversation) => {
  const entry = c.scroll?.entry;
  return entry?.kind === 'message' ? entry.message.text : null;
};

describe('pageScroll', () => {
  test('a page up keeps one row of the previous screen; far from the top nothing is fetched', () => {
    const c = conversation(100);
    expect(pageScroll(c, ctx, 10, 'up')).toEqual({ fetchOlder: false });
    expect(bottomText(c)).toBe('m90');
  });

  test('asks for older history within two screens of the top', () => {
    // 40 one-row entries, 10-row view, 9-row pages: the bottom goes to m30, m21, m12.
    const c = conversation(40);
    expect(pageScroll(c, ctx, 10, 'up').fetchOlder).toBe(false);
    expect(pageScroll(c, ctx, 10, 'up').fetchOlder).toBe(false);
    expect(pageScroll(c, ctx, 10, 'up').fetchOlder).toBe(true);
    expect(bottomText(c)).toBe('m12');
  });

  test('paging down to the bottom follows new lines again', () => {
    const c = conversation(100);
    pageScroll(c, ctx, 10, 'up');
    pageScroll(c, ctx, 10, 'up');
    pageScroll(c, ctx, 10, 'down');
    expect(bottomText(c)).toBe('m90');
    pageScroll(c, ctx, 10, 'down');
    expect(c.scroll).toBeNull();
  });

  test('an empty conversation asks for history', () => {
    expect(pageScroll(conversation(0), ctx, 10, 'up')).toEqual({ fetchOlder: true });
  });

  test('after /clear with nothing new, a page up shows what was cleared', () => {
    const c = conversation(30);
    c.clear();
    expect(c.firstVisibleIndex()).toBe(30);
    pageScroll(c, ctx, 10, 'up');
    expect(c.clearedUpTo).toBeNull();
    expect(bottomText(c)).toBe('m20');
  });
});
