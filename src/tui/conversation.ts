/**
 * One conversation's scrollback: a plain array of entries (messages and system lines), outside React, so
 * 100,000 of them cost nothing until a few are drawn. Live messages append in arrival order; history
 * loaded later goes before them, and synced messages go where their time puts them. Each entry carries a
 * `seq` that only grows down the array, so a scroll anchor finds its place again by binary search after
 * older pages are prepended.
 */
import type { ChatMessage, ConversationRef, MessageIdStr } from '../daemon/index.js';

export type SystemTone = 'info' | 'error' | 'join' | 'leave' | 'nick' | 'link' | 'sync' | 'search';

interface EntryBase {
  /** Position in the array's order (grows downwards); not an index. */
  seq: number;
  ts: number;
  /** Bumped when the entry changes (a receipt), so cached layouts are redone. */
  revision: number;
}

export interface MessageEntry extends EntryBase {
  kind: 'message';
  message: ChatMessage;
  /** The text mentions the own nick (as it was when the message arrived). */
  mention: boolean;
}

export interface SystemEntry extends EntryBase {
  kind: 'system';
  text: string;
  tone: SystemTone;
}

export type Entry = MessageEntry | SystemEntry;

/** Where the view sits when scrolled back: the bottom row shows line `line` of `entry`. */
export interface ScrollAnchor {
  entry: Entry;
  line: number;
}

export type ConversationKey = string;

export function conversationKey(ref: ConversationRef): ConversationKey {
  return ref.kind === 'room' ? `room:${ref.room}` : `direct:${ref.peer}`;
}

/** Entries kept per conversation while following the bottom. @default 200_000 */
export const SCROLLBACK_LIMIT = 200_000;

export class Conversation {
  readonly key: ConversationKey;
  readonly entries: Entry[] = [];
  private readonly byId = new Map<MessageIdStr, MessageEntry>();
  private headSeq = 0;
  private tailSeq = 0;
  unread = 0;
  mentions = 0;
  /** null: follow the newest line. */
  scroll: ScrollAnchor | null = null;
  /** Older history: 'idle' can load more, 'complete' reached the first message. */
  older: 'idle' | 'loading' | 'complete' = 'idle';
  /** The initial page of history has been asked for. */
  historyRequested = false;
  /**
   * The last entry there was when the person last looked (left the conversation, or the terminal lost
   * focus): what follows it is drawn below a "new since you last looked" line.
   */
  readMarker: Entry | null = null;
  /** After /clear: entries up to this seq are hidden until the view scrolls back. */
  clearedUpTo: number | null = null;

  constructor(
    readonly ref: ConversationRef,
    private readonly limit = SCROLLBACK_LIMIT,
  ) {
    this.key = conversationKey(ref);
  }

  get size(): number {
    return this.entries.length;
  }

  has(id: MessageIdStr): boolean {
    return this.byId.has(id);
  }

  get(id: MessageIdStr): MessageEntry | undefined {
    return this.byId.get(id);
  }

  /** Appends a message that arrived live; null if it is already here. */
  append(message: ChatMessage, mention: boolean): MessageEntry | null {
    if (this.byId.has(message.id)) return null;
    const entry: MessageEntry = {
      kind: 'message',
      seq: ++this.tailSeq,
      ts: message.ts,
      revision: 0,
      message,
      mention,
    };
    this.entries.push(entry);
    this.byId.set(message.id, entry);
    this.trim();
    return entry;
  }

  /**
   * Inserts a message where its timestamp puts it (history sync, reloads). One older than everything
   * loaded, while older history is still to be paged in, is left for that page: put at the top, it
   * would become the paging cursor and hide everything between it and the loaded page.
   */
  insertByTime(message: ChatMessage, mention: boolean): MessageEntry | null {
    if (this.byId.has(message.id)) return null;
    const oldest = this.entries.find((e) => e.kind === 'message');
    if (oldest && this.older !== 'complete' && message.ts < oldest.ts) return null;
    // Binary search: entries are in time order, and a catch-up inserts thousands into long histories.
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid].ts > message.ts) hi = mid;
      else lo = mid + 1;
    }
    const index = lo;
    const entry: MessageEntry = { kind: 'message', seq: 0, ts: message.ts, revision: 0, message, mention };
    this.insertAt(index, entry);
    this.byId.set(message.id, entry);
    this.trim();
    return entry;
  }

  /**
   * Merges the newest page of history (oldest first) by time. `initial`: the conversation's first load,
   * where what it holds arrived live meanwhile (a direct message that opened it): the page's part older
   * than that goes before it. insertByTime leaves such messages to a scroll back, which a short history
   * (marked complete by this very load) never makes: they were hidden for good.
   */
  mergeNewest(page: ChatMessage[], initial: boolean, mentionOf: (message: ChatMessage) => boolean): void {
    const oldest = initial ? this.oldestMessage() : undefined;
    const before = oldest ? page.filter((m) => m.ts < oldest.ts) : [];
    if (before.length > 0) this.prependOlder(before, mentionOf);
    for (const m of page.slice(before.length)) this.insertByTime(m, mentionOf(m));
  }

  /** Puts a page of older history (oldest first) before everything. */
  prependOlder(messages: ChatMessage[], mentionOf: (message: ChatMessage) => boolean): number {
    const fresh = messages.filter((m) => !this.byId.has(m.id));
    const added: MessageEntry[] = [];
    for (let i = fresh.length - 1; i >= 0; i--) {
      const message = fresh[i];
      const entry: MessageEntry = {
        kind: 'message',
        seq: --this.headSeq,
        ts: message.ts,
        revision: 0,
        message,
        mention: mentionOf(message),
      };
      this.byId.set(message.id, entry);
      added.push(entry);
    }
    added.reverse();
    this.entries.unshift(...added);
    return added.length;
  }

  addSystem(text: string, tone: SystemTone, ts: number): SystemEntry {
    const entry: SystemEntry = { kind: 'system', seq: ++this.tailSeq, ts, revision: 0, text, tone };
    this.entries.push(entry);
    this.trim();
    return entry;
  }

  /** Replaces a stored message (a receipt turned it 'delivered'); false when it is not here. */
  updateMessage(id: MessageIdStr, update: (message: ChatMessage) => ChatMessage): boolean {
    const entry = this.byId.get(id);
    if (!entry) return false;
    entry.message = update(entry.message);
    entry.revision++;
    return true;
  }

  /** The person looked at everything there is now (see readMarker). */
  markRead(): void {
    this.readMarker = this.entries[this.entries.length - 1] ?? null;
  }

  /** Back in view: with nothing new, no marker (else it would sit above the next line, even one's own). */
  resumeReading(): void {
    if (this.readMarker === this.entries[this.entries.length - 1]) this.readMarker = null;
  }

  /** Index of an entry, by binary search on `seq`; -1 when it is gone. */
  indexOf(entry: Entry): number {
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const seq = this.entries[mid].seq;
      if (seq === entry.seq) return this.entries[mid] === entry ? mid : -1;
      if (seq < entry.seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The oldest message held (for loading the page before it). */
  oldestMessage(): ChatMessage | null {
    for (const entry of this.entries) if (entry.kind === 'message') return entry.message;
    return null;
  }

  /** /clear: hides everything up to now from the screen; scrolling back up shows it again. */
  clear(): void {
    const last = this.entries[this.entries.length - 1];
    if (last) this.clearedUpTo = last.seq;
    this.scroll = null;
  }

  /** Index of the first entry the view may show (after /clear, the first one after it). */
  firstVisibleIndex(): number {
    if (this.clearedUpTo === null) return 0;
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid].seq <= this.clearedUpTo) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Undoes /clear (scrolling back past the top of the cleared screen). */
  reveal(): boolean {
    if (this.clearedUpTo === null) return false;
    this.clearedUpTo = null;
    return true;
  }

  private insertAt(index: number, entry: Entry): void {
    if (index === this.entries.length) {
      entry.seq = ++this.tailSeq;
    } else if (index === 0) {
      entry.seq = --this.headSeq;
    } else {
      const before = this.entries[index - 1].seq;
      const after = this.entries[index].seq;
      const middle = before + (after - before) / 2;
      if (middle === before || middle === after) {
        this.renumber();
        return this.insertAt(index, entry);
      }
      entry.seq = middle;
    }
    this.entries.splice(index, 0, entry);
  }

  /** Spreads seq values out again when repeated inserts at one place exhausted the gaps (rare). */
  private renumber(): void {
    if (this.clearedUpTo !== null) this.clearedUpTo = this.firstVisibleIndex() - 1;
    this.entries.forEach((entry, i) => (entry.seq = i));
    this.headSeq = 0;
    this.tailSeq = this.entries.length;
  }

  /** Drops the oldest entries past the limit (in batches, and only while following the bottom). */
  private trim(): void {
    if (this.scroll !== null || this.entries.length <= this.limit + Math.ceil(this.limit / 10)) return;
    const removed = this.entries.splice(0, this.entries.length - this.limit);
    for (const entry of removed) if (entry.kind === 'message') this.byId.delete(entry.message.id);
    if (this.older === 'complete') this.older = 'idle';
  }
}
