/** Messages as rows of the history database, and as what a UI is shown of them. */
import type { ChatMessage } from '../chat-api.js';

/** A message as stored: what a UI is shown (less the derived `direct`), plus what sync needs. */
export interface StoredMessage extends Omit<ChatMessage, 'direct'> {
  /** 'room:<name>' or 'dm:<peer node id hex>' (the other party, from this node's view). */
  scope: string;
  receivedAt: number;
  /** The signed payload bytes exactly as on the wire, re-served verbatim in sync. */
  payload: Uint8Array;
  sig: Uint8Array;
}

export interface Row {
  id: string;
  scope: string;
  room: string | null;
  peer: string | null;
  origin: string;
  nick: string;
  ts: number;
  text: string;
  action: number;
  own: number;
  status: 'sent' | 'delivered' | null;
  via: 'local' | 'live' | 'sync';
  future: number;
  received_at: number;
  payload: Buffer;
  sig: Buffer;
}

export const COLUMNS =
  'id, scope, room, peer, origin, nick, ts, text, action, own, status, via, future, received_at, payload, sig';

/**
 * The user's search as an FTS5 query: each whitespace-separated word becomes a quoted phrase (quotes
 * doubled), so operators and punctuation are matched as text instead of parsed as FTS syntax; the
 * phrases are ANDed. Null when no word holds a letter or digit (nothing could match).
 */
export function ftsQuery(search: string): string | null {
  const words = search.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (words.length === 0) return null;
  return words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' ');
}

export function toStored(row: Row): StoredMessage {
  return {
    id: row.id,
    scope: row.scope,
    room: row.room,
    peer: row.peer,
    from: row.origin,
    nick: row.nick,
    ts: row.ts,
    text: row.text,
    action: row.action === 1,
    own: row.own === 1,
    status: row.status,
    via: row.via,
    future: row.future === 1,
    receivedAt: row.received_at,
    payload: row.payload,
    sig: row.sig,
  };
}

export function toChat(row: Row): ChatMessage {
  return toChatMessage(toStored(row));
}

/** What a UI is shown of a stored message. */
export function toChatMessage(s: StoredMessage): ChatMessage {
  return {
    id: s.id,
    room: s.room,
    peer: s.peer,
    direct: s.room === null,
    from: s.from,
    nick: s.nick,
    ts: s.ts,
    text: s.text,
    action: s.action,
    own: s.own,
    status: s.status,
    via: s.via,
    future: s.future,
  };
}
