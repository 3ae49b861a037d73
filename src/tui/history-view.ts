/**
 * How entries look in the history pane: each entry becomes rows of styled segments already wrapped to
 * the pane width (cached per entry, width and naming epoch), and the pane takes only the rows it shows.
 */
import type { ChatMessage, TrustState } from '../daemon/index.js';
import type { Conversation, Entry, MessageEntry, SystemEntry, SystemTone } from './conversation.js';
import { dayKey, formatDay, formatStamp } from './format.js';
import { nickColor } from './nick-color.js';
import { lastPosition, moveUp, type LinePosition } from './scrollback.js';
import { cellWidth, truncateToWidth } from './text-width.js';
import { wrapText } from './wrap.js';

/** A run of text with one style. Colours are Ink (chalk) color names. */
export interface Segment {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  inverse?: boolean;
}

export type Row = Segment[];

/** What drawing an entry depends on besides the entry itself. */
export interface ViewContext {
  width: number;
  noColor: boolean;
  /** The own node id (own messages are drawn apart). */
  selfId: string | null;
  /** Today's dayKey: lines of other days show their date. Absent: every line shows only HH:MM. */
  today?: string;
  /** Bumped whenever nicks or fingerprints change how names draw (invalidates cached rows). */
  epoch: number;
  /** Fingerprint to show for a node id. */
  fingerprintOf: (id: string) => string;
  /** Whether another node currently uses `nick` too (then the fingerprint is shown beside it). */
  nickIsShared: (nick: string, id: string) => boolean;
  /** What a message's key is to its nick (§20): NEW KEY and verified are drawn beside the nick. */
  trustOf?: (message: ChatMessage) => TrustState | null;
}

/** Width of `HH:MM ` and the indent of continuation rows. */
export const TIME_WIDTH = 6;

const TONE_MARK: Record<SystemTone, string> = {
  info: '-!-',
  error: '-!-',
  join: '-->',
  leave: '<--',
  nick: '-!-',
  link: '-!-',
  sync: '-!-',
  search: ' ? ',
};

const TONE_COLOR: Record<SystemTone, string | undefined> = {
  info: undefined,
  error: 'red',
  join: 'green',
  leave: 'red',
  nick: 'cyan',
  link: 'yellow',
  sync: 'cyan',
  search: 'blue',
};

function color(ctx: ViewContext, name: string | undefined): string | undefined {
  return ctx.noColor ? undefined : name;
}

/** Below this pane width lines show only HH:MM (the day separators still say the day). */
const DATED_LINES_MIN_WIDTH = 50;

function todayFor(ctx: ViewContext): string | undefined {
  return ctx.width >= DATED_LINES_MIN_WIDTH ? ctx.today : undefined;
}

/** The indent continuation rows get: the time column, or less on a very narrow pane. */
function indentFor(width: number): number {
  return width >= 24 ? TIME_WIDTH : 2;
}

/**
 * The head of a continuation row: a dim bar in the time column. Without it, a message whose text holds
 * `\n<alice> ...` would show a line that looks like alice wrote it.
 */
function continuation(indent: number): Segment[] {
  return [{ text: ' '.repeat(indent - 2) }, { text: '│ ', dim: true }];
}

/** Lays `text` out after a first-row prefix of `prefixWidth` cells, continuation rows indented. */
function layoutText(
  ctx: ViewContext,
  prefix: Segment[],
  text: string,
  style: Omit<Segment, 'text'>,
  suffix: Segment | null = null,
): Row[] {
  const width = Math.max(1, ctx.width);
  const indent = indentFor(width);
  const prefixWidth = prefix.reduce((sum, seg) => sum + cellWidth(seg.text), 0);
  const lines = wrapText(text, width - prefixWidth, width - indent);
  const rows: Row[] = lines.map((line, i) => {
    const head = i === 0 ? prefix : continuation(indent);
    return line === '' ? [...head] : [...head, { ...style, text: line }];
  });
  if (suffix) {
    const last = rows[rows.length - 1];
    const lastWidth = last.reduce((sum, seg) => sum + cellWidth(seg.text), 0);
    if (lastWidth + cellWidth(suffix.text) <= width) last.push(suffix);
    else rows.push([...continuation(indent), { ...suffix, text: suffix.text.trimStart() }]);
  }
  return rows;
}

function nickLabel(
  ctx: ViewContext,
  message: ChatMessage,
): { nick: string; fingerprint: string | null; trust: TrustState | null } {
  const trust = ctx.trustOf ? ctx.trustOf(message) : (message.trust ?? null);
  // A NEW KEY always shows which key it is.
  const shared = trust === 'new-key' || ctx.nickIsShared(message.nick, message.from);
  return { nick: message.nick, fingerprint: shared ? ctx.fingerprintOf(message.from) : null, trust };
}

/** The mark after a nick: NEW KEY (not the key pinned for the nick) or verified (§20). */
function trustSegment(ctx: ViewContext, trust: TrustState | null): Segment | null {
  if (trust === 'new-key') return { text: ' NEW KEY', bold: true, color: color(ctx, 'red') };
  if (trust === 'verified') return { text: ' ✓', color: color(ctx, 'green') };
  return null;
}

/** What follows an own message: sent, delivered or read (direct), seen by N/M (room). */
function progressSuffix(ctx: ViewContext, message: ChatMessage): Segment | null {
  if (message.status === 'sent') return { text: ' (sent)', dim: true };
  if (message.status === 'delivered') return { text: ' (delivered)', color: color(ctx, 'green'), dim: true };
  if (message.status === 'read') return { text: ' (read ✓✓)', color: color(ctx, 'cyan') };
  if (message.room !== null && message.seen && message.seen.of > 0)
    return { text: ` (seen by ${message.seen.count}/${message.seen.of})`, dim: true };
  return null;
}

function messageRows(entry: MessageEntry, ctx: ViewContext): Row[] {
  const { message } = entry;
  const own = message.own || message.from === ctx.selfId;
  const nickColorName = own ? undefined : color(ctx, nickColor(message.from));
  const label = nickLabel(ctx, message);
  // Keep the prefix to at most half the pane, so a long nick cannot push the text off a narrow screen.
  const stamp = `${formatStamp(message.ts, todayFor(ctx))} `;
  const room = Math.max(4, Math.floor(ctx.width / 2) - cellWidth(stamp) - 3);
  const nick = truncateToWidth(label.nick, label.fingerprint ? Math.max(2, room - 10) : room);
  const time: Segment = {
    text: stamp,
    dim: true,
    color: color(ctx, message.future ? 'red' : undefined),
  };
  const nickSegments: Segment[] = [{ text: nick, color: nickColorName, bold: own || entry.mention }];
  if (label.fingerprint) nickSegments.push({ text: ` ${label.fingerprint}`, dim: true });
  const mark = own ? null : trustSegment(ctx, label.trust);
  if (mark) nickSegments.push(mark);
  const suffix = own ? progressSuffix(ctx, message) : null;
  const textStyle: Omit<Segment, 'text'> = entry.mention ? { bold: true, color: color(ctx, 'yellow') } : {};
  if (message.action) {
    const prefix: Segment[] = [
      time,
      { text: '* ', color: nickColorName, bold: true },
      ...nickSegments,
      { text: ' ' },
    ];
    return layoutText(ctx, prefix, message.text, { ...textStyle, italic: true }, suffix);
  }
  const prefix: Segment[] = [time, { text: '<', dim: true }, ...nickSegments, { text: '> ', dim: true }];
  return layoutText(ctx, prefix, message.text, textStyle, suffix);
}

function systemRows(entry: SystemEntry, ctx: ViewContext): Row[] {
  const tone = color(ctx, TONE_COLOR[entry.tone]);
  const prefix: Segment[] = [
    { text: `${formatStamp(entry.ts, todayFor(ctx))} `, dim: true },
    { text: `${TONE_MARK[entry.tone]} `, color: tone, bold: entry.tone === 'error' },
  ];
  const style: Omit<Segment, 'text'> =
    entry.tone === 'error'
      ? { color: tone }
      : entry.tone === 'info' || entry.tone === 'search'
        ? {}
        : { dim: true };
  return layoutText(ctx, prefix, entry.text, style);
}

/** Rows drawn above an entry: where a new day starts, and where the person last stopped reading. */
export interface Lead {
  /** The day's name when the entry is the first of its day. */
  day: string | null;
  /** The entry is the first one after the read marker. */
  marker: boolean;
}

/** What goes above entry `index` of a conversation. */
export function leadOf(conversation: Conversation, index: number): Lead {
  const entry = conversation.entries[index];
  const before = index > 0 ? conversation.entries[index - 1] : null;
  return {
    day: !before || dayKey(before.ts) !== dayKey(entry.ts) ? formatDay(entry.ts) : null,
    marker: before !== null && before === conversation.readMarker,
  };
}

/** A full-width rule with a label: `── label ─────…`. */
function ruleRow(label: string, width: number, style: Omit<Segment, 'text'>): Row {
  const text = truncateToWidth(`── ${label} `, width);
  return [{ ...style, text: text + '─'.repeat(Math.max(0, width - cellWidth(text))) }];
}

function leadRows(lead: Lead, ctx: ViewContext): Row[] {
  const rows: Row[] = [];
  if (lead.marker)
    rows.push(ruleRow('new since you last looked', ctx.width, { bold: true, color: color(ctx, 'red') }));
  if (lead.day) rows.push(ruleRow(lead.day, ctx.width, { dim: true }));
  return rows;
}

const rowCache = new WeakMap<Entry, { key: string; rows: Row[] }>();

/** The rows of one entry at the context's width, after its lead rows if any (cached). */
export function entryRows(entry: Entry, ctx: ViewContext, lead?: Lead): Row[] {
  const leadKey = lead ? `${lead.day ?? ''}|${lead.marker ? 1 : 0}` : '';
  const key = `${ctx.width}|${ctx.epoch}|${entry.revision}|${ctx.noColor ? 1 : 0}|${ctx.today ?? ''}|${leadKey}`;
  const cached = rowCache.get(entry);
  if (cached && cached.key === key) return cached.rows;
  const own = entry.kind === 'message' ? messageRows(entry, ctx) : systemRows(entry, ctx);
  const rows = lead ? [...leadRows(lead, ctx), ...own] : own;
  rowCache.set(entry, { key, rows });
  return rows;
}

/** The rows entry `index` of a conversation takes on screen, day separator and read marker included. */
export function rowsAt(conversation: Conversation, index: number, ctx: ViewContext): Row[] {
  return entryRows(conversation.entries[index], ctx, leadOf(conversation, index));
}

/** What the pane draws: exactly `height` rows (blank ones first when there is not enough history). */
export interface PaneView {
  rows: Row[];
  /** A stable key per row (entry and row within it), so unchanged rows are not drawn again. */
  keys: string[];
  /** The view is scrolled back (not following new lines). */
  scrolled: boolean;
  /** Entries below the view (new lines while scrolled back). */
  below: number;
  /** The first visible row is the first row of the oldest entry held. */
  atStart: boolean;
}

/** The bottom position of the view: the scroll anchor, or the last row when following. */
export function bottomOf(conversation: Conversation, ctx: ViewContext): LinePosition | null {
  const start = conversation.firstVisibleIndex();
  const end = conversation.entries.length;
  const count = (i: number): number => rowsAt(conversation, i, ctx).length;
  const anchor = conversation.scroll;
  if (anchor) {
    const index = conversation.indexOf(anchor.entry);
    if (index >= start) return { index, line: Math.min(anchor.line, count(index) - 1) };
  }
  return lastPosition(start, end, count);
}

/** Lays out the visible window of a conversation: never more entries than fit on the screen. */
export function paneView(conversation: Conversation, ctx: ViewContext, height: number): PaneView {
  const start = conversation.firstVisibleIndex();
  const entries = conversation.entries;
  const bottom = bottomOf(conversation, ctx);
  const blank = (): Row => [];
  const blankKeys = (n: number): string[] => Array.from({ length: n }, (_, i) => `blank:${i}`);
  if (!bottom || height <= 0) {
    const n = Math.max(0, height);
    return {
      rows: Array.from({ length: n }, blank),
      keys: blankKeys(n),
      scrolled: false,
      below: 0,
      atStart: true,
    };
  }
  const rows: Row[] = [];
  const keys: string[] = [];
  let { index, line } = bottom;
  // Walk up from the bottom row, collecting rows until the pane is full or the history begins.
  while (rows.length < height) {
    const entry = entries[index];
    const entryRowsList = rowsAt(conversation, index, ctx);
    for (let r = line; r >= 0 && rows.length < height; r--) {
      rows.push(entryRowsList[r]);
      keys.push(`${entry.seq}:${r}`);
    }
    if (rows.length >= height || index <= start) break;
    index--;
    line = rowsAt(conversation, index, ctx).length - 1;
  }
  const top = moveUp(bottom, height - 1, start, (i) => rowsAt(conversation, i, ctx).length);
  const atStart = top.at.index === start && top.at.line === 0;
  const padding = height - rows.length;
  rows.push(...Array.from({ length: padding }, blank));
  keys.push(...blankKeys(padding));
  rows.reverse();
  keys.reverse();
  return {
    rows,
    keys,
    scrolled: conversation.scroll !== null,
    below: entries.length - 1 - bottom.index,
    atStart,
  };
}
