/**
 * The shown conversation's history: messages and system lines of the TUI's Conversation, with a
 * separator above each new day, delivery and read ticks on own direct messages, "seen by N/M" on own
 * room messages, and the fingerprint next to a nick that another key shares. Follows the newest line
 * unless the person scrolled up; scrolling to the top pages older history in through the controller,
 * as PgUp does in the terminal.
 */
import { memo, useLayoutEffect, useRef } from 'react';
import type { ChatController } from '../../tui/chat-controller.js';
import type { ChatModel } from '../../tui/chat-model.js';
import type { Conversation, Entry, MessageEntry } from '../../tui/conversation.js';
import { dayKey, formatDay, formatTime } from '../../tui/format.js';
import type { ChatMessage, FileInfo } from '../../daemon/index.js';
import { FileCard } from './file-card.js';
import { nickClass } from './nick-colour.js';
import { trustOf } from '../../tui/trust-marks.js';
import { TrustMark } from './trust-mark.js';

interface RowProps {
  entry: Entry;
  revision: number;
  epoch: number;
  model: ChatModel;
  /** The file this message offers (§21), drawn as a card instead of its text line. */
  file?: FileInfo;
}

/** Ticks on own direct messages (sent, delivered, read); "seen by N/M" on own room messages. */
const TICKS = {
  sent: { mark: '✓', label: 'sent, not yet delivered' },
  delivered: { mark: '✓✓', label: 'delivered' },
  read: { mark: '✓✓', label: 'read' },
} as const;

function Ticks({ entry }: { entry: MessageEntry }) {
  const { own, direct, status, seen } = entry.message;
  if (own && !direct && seen)
    return (
      <span className="ticks seen" title={`seen by ${seen.count} of the ${seen.of} members online when sent`}>
        seen by {seen.count}/{seen.of}
      </span>
    );
  if (!own || !direct || status === null) return null;
  const { mark, label } = TICKS[status];
  return (
    <span className={`ticks ${status}`} data-status={status} title={label} aria-label={label}>
      {mark}
    </span>
  );
}

const Row = memo(function Row({ entry, model, file }: RowProps) {
  if (entry.kind === 'system') {
    return <div className={`row system tone-${entry.tone}`}>{entry.text}</div>;
  }
  const m = entry.message;
  const shared = model.nickIsShared(m.nick, m.from);
  return (
    <div
      className={`row message${m.own ? ' own' : ''}${entry.mention ? ' mention' : ''}`}
      data-id={m.id}
      data-from={m.from}
    >
      <time className="time" dateTime={new Date(m.ts).toISOString()}>
        {formatTime(m.ts)}
      </time>
      <span className="who">
        {m.action && <span className="action-star">* </span>}
        <span className={nickClass(m.from)}>{m.nick}</span>
        {shared && <span className="fp"> {model.fingerprintOf(m.from)}</span>}
        <TrustMark trust={trustOf(model.peers, m)} nick={m.nick} />
      </span>
      {file ? <FileCard file={file} /> : <span className={m.action ? 'text action' : 'text'}>{m.text}</span>}
      <Ticks entry={entry} />
    </div>
  );
});

/** Entries drawn at most; older ones come back by scrolling up (the DOM stays small on a phone). */
const DRAWN = 1500;

export function History({
  conversation,
  model,
  controller,
}: {
  conversation: Conversation;
  model: ChatModel;
  controller: ChatController;
}) {
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const key = conversation.key;
  const lastKey = useRef(key);
  const entries = conversation.entries;
  const first = Math.max(0, entries.length - DRAWN);
  const topSeq = entries[first]?.seq;
  const anchor = useRef<{ seq: number | undefined; height: number }>({ seq: topSeq, height: 0 });

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (lastKey.current !== key) {
      lastKey.current = key;
      atBottom.current = true;
    }
    if (atBottom.current) el.scrollTop = el.scrollHeight;
    else if (anchor.current.seq !== topSeq) {
      // Older history went in above: keep what the person reads where it was.
      el.scrollTop += el.scrollHeight - anchor.current.height;
    }
    anchor.current = { seq: topSeq, height: el.scrollHeight };
  });

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    anchor.current.height = el.scrollHeight;
    if (el.scrollTop < 80 && conversation.older === 'idle') void controller.loadOlder(conversation);
  };

  // By the file an offer names: the same bytes offered twice (a picture passed on) are one file, with
  // a card on each offer. Rows kept before offers named their file find it by its latest offer.
  const offers = new Map([...model.files.values()].map((f) => [f.messageId, f]));
  const fileOf = (m: ChatMessage) =>
    (m.file !== undefined ? model.files.get(m.file) : undefined) ?? offers.get(m.id);
  const rows: React.ReactNode[] = [];
  let day: string | null = null;
  for (let i = first; i < entries.length; i++) {
    const entry = entries[i];
    const d = dayKey(entry.ts);
    if (d !== day) {
      day = d;
      rows.push(
        <div className="day" role="separator" key={`day-${entry.seq}`}>
          <span>{formatDay(entry.ts)}</span>
        </div>,
      );
    }
    rows.push(
      <Row
        key={entry.seq}
        entry={entry}
        revision={entry.revision}
        epoch={model.epoch}
        model={model}
        file={entry.kind === 'message' ? fileOf(entry.message) : undefined}
      />,
    );
  }

  return (
    <div className="history" ref={box} onScroll={onScroll} role="log" aria-live="polite">
      {conversation.older === 'loading' && <div className="row system">loading older messages…</div>}
      {rows.length === 0 && <div className="empty">No messages yet. Say hello.</div>}
      {rows}
    </div>
  );
}
