/**
 * PgUp and PgDn over a conversation: moves its scroll anchor by a page of rows (a page keeps one row of
 * the previous screen for context), undoes /clear when scrolling back past it, and says when the view
 * nears the oldest message held, so the next page of history is fetched before it is needed.
 */
import type { Conversation } from './conversation.js';
import { bottomOf, rowsAt, type ViewContext } from './history-view.js';
import { lastPosition, moveUp, scrollDown, scrollUp } from './scrollback.js';

export function pageScroll(
  conversation: Conversation,
  ctx: ViewContext,
  height: number,
  direction: 'up' | 'down',
): { fetchOlder: boolean } {
  const entries = conversation.entries;
  const rows = (i: number): number => (entries[i] ? rowsAt(conversation, i, ctx).length : 1);
  const page = Math.max(1, height - 1);
  let bottom = bottomOf(conversation, ctx);

  if (direction === 'down') {
    if (bottom) {
      const next = scrollDown(bottom, page, entries.length, rows);
      conversation.scroll = next ? { entry: entries[next.index], line: next.line } : null;
    }
    return { fetchOlder: false };
  }

  let start = conversation.firstVisibleIndex();
  if (conversation.clearedUpTo !== null) {
    // At the top of a cleared screen, scrolling back shows what /clear hid.
    const top = bottom ? moveUp(bottom, height - 1, start, rows) : null;
    if (!top || top.moved < height - 1 || (top.at.index === start && top.at.line === 0)) {
      conversation.reveal();
      start = 0;
      bottom = bottomOf(conversation, ctx);
    }
  }
  if (!bottom) return { fetchOlder: true };
  const result = scrollUp(bottom, page, height, start, entries.length, rows);
  const last = lastPosition(start, entries.length, rows);
  const atEnd = last !== null && last.index === result.bottom.index && last.line === result.bottom.line;
  conversation.scroll = atEnd ? null : { entry: entries[result.bottom.index], line: result.bottom.line };
  const ahead = moveUp(result.bottom, height * 2, start, rows);
  return { fetchOlder: result.atStart || ahead.moved < height * 2 };
}
