/**
 * Files in the page (PROTOCOL.md §21), the pure parts: an offer read from a signed payload (a room's
 * in the clear, a direct one opened with the page's key), the record the page keeps of each file, the
 * line an offer shows as in the history, and the safe name a download gets. Nothing here touches the
 * link or IndexedDB (page-files.ts does).
 */
import type { ChatMessage, FileInfo, NodeIdHex } from '../../daemon/chat-api.js';
import {
  chunkCount,
  type CryptoProvider,
  decodeFilePlaintext,
  directAad,
  equalBytes,
  FILE_PAYLOAD_SCHEMA,
  FUTURE_SKEW_MS,
  isPlainObject,
  MAX_FILE_CHUNKS,
  openDirect,
  sanitizeLabel,
  toHex,
  unpackValue,
} from '../../wire/index.js';
import type { WebIdentity } from './web-identity.js';

/** What the page keeps of a file (in IndexedDB, without the bytes: those live in memory only). */
export interface PageFileRecord {
  root: string;
  name: string;
  size: number;
  type: string;
  chunk: number;
  count: number;
  /** The key a direct file's chunks are sealed under (§21.4). */
  key?: Uint8Array;
  from: NodeIdHex;
  nick: string;
  room: string | null;
  peer: NodeIdHex | null;
  ts: number;
  messageId: string;
  own: boolean;
  state: FileInfo['state'];
  error: string | null;
}

/** Pictures shown inline (and fetched without asking when small enough). */
export const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * The offer in a signed payload of kind `file`, as a record and the history line it shows as; null
 * when the payload is of another kind, not for this page, or (with `scope`, from sync) of another
 * conversation. Throws a WireError/CryptoError on an offer that breaks a rule.
 */
export function readOffer(
  crypto: CryptoProvider,
  identity: WebIdentity,
  payloadBytes: Uint8Array,
  inRoom: (room: string) => boolean,
  scope: string | undefined,
): PageFileRecord | null {
  const value = unpackValue(payloadBytes);
  if (!isPlainObject(value) || value.kind !== 'file') return null;
  const p = FILE_PAYLOAD_SCHEMA(value, 'file');
  const from = toHex(p.from);
  let description;
  let key: Uint8Array | undefined;
  let room: string | null = null;
  let peer: NodeIdHex | null = null;
  if (p.to && p.box) {
    // Our own offer to another, or one relayed past us: nothing this page can open.
    if (!equalBytes(p.to, identity.id)) return null;
    const plain = decodeFilePlaintext(
      openDirect(crypto, p.box, identity.xSecret, identity.xPublic, directAad(p.id, p.from, p.to)),
    );
    ({ key, ...description } = plain);
    peer = from;
  } else if (
    p.room !== undefined &&
    p.nick !== undefined &&
    p.name !== undefined &&
    p.size !== undefined &&
    p.type !== undefined &&
    p.chunk !== undefined &&
    p.root !== undefined
  ) {
    if (!inRoom(p.room)) return null;
    description = { nick: p.nick, name: p.name, size: p.size, type: p.type, chunk: p.chunk, root: p.root };
    room = p.room;
  } else return null;
  if (scope !== undefined && scope !== (room !== null ? `room:${room}` : `dm:${peer}`)) return null;
  if (description.chunk < 1 || chunkCount(description.size, description.chunk) > MAX_FILE_CHUNKS) return null;
  return {
    root: toHex(description.root),
    name: description.name,
    size: description.size,
    type: description.type,
    chunk: description.chunk,
    count: chunkCount(description.size, description.chunk),
    key: key ? Uint8Array.from(key) : undefined,
    from,
    nick: description.nick,
    room,
    peer,
    ts: p.ts,
    messageId: '',
    own: from === identity.idHex,
    state: 'offered',
    error: null,
  };
}

/** The history message an offer shows as (the same line a node writes, so both read alike). */
export function offerMessage(record: PageFileRecord, id: string, via: ChatMessage['via']): ChatMessage {
  return {
    id,
    room: record.room,
    peer: record.peer,
    direct: record.room === null,
    from: record.from,
    nick: record.nick,
    ts: record.ts,
    text: `[file] ${sanitizeLabel(record.name)} (${formatBytes(record.size)}) /get ${record.root.slice(0, 12)}`,
    action: false,
    own: record.own,
    status: null,
    via,
    future: record.ts > Date.now() + FUTURE_SKEW_MS,
    file: record.root,
  };
}

/**
 * What the page tells of a file: `fetch` while it is fetched (`refused`: its node keeps saying it has
 * none), `holds` when its bytes are here.
 */
export function fileInfo(
  r: PageFileRecord,
  fetch: { held: number; badChunks: number; refused: boolean } | undefined,
  holds: boolean,
): FileInfo {
  const { root, count, key: _key, chunk: _chunk, ...shown } = r;
  return {
    ...shown,
    id: root,
    chunks: count,
    held: fetch ? fetch.held : holds ? count : 0,
    fetched: fetch?.held ?? 0,
    rate: 0,
    holders: fetch ? 1 : 0,
    badChunks: fetch?.badChunks ?? 0,
    // The TUI's model says a fetched file was "saved to" this: the page holds it, to show or download.
    path: !r.own && holds ? 'this page' : null,
    error:
      (fetch?.refused ? 'waiting: the node that served this page does not hold this file (yet)' : null) ??
      r.error ??
      (r.own && !holds ? 'offered before this page was reloaded: no longer held here' : null),
  };
}

/** Bytes as people read them: 512 B, 1.5 KiB, 50.0 MiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * A download name made from whatever the sender wrote (as a node's safe-name.ts does): its last path
 * component, without control characters, bidi overrides, `<>:"|?*`, leading dots or trailing dots and
 * spaces, at most 200 characters, `file` when nothing is left.
 */
export function safeDownloadName(name: string): string {
  const base =
    name
      .split(/[/\\]/)
      .filter((part) => part.length > 0)
      .pop() ?? '';
  const safe = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069<>:"|?*]/g, '')
    .trim()
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '')
    .slice(0, 200);
  return safe.length > 0 ? safe : 'file';
}

/** A media type a sender may give (`image/png`), else '' (never a string to trust as given). */
export function cleanType(type: string): string {
  return /^[a-z0-9][a-z0-9.+-]{0,40}\/[a-z0-9][a-z0-9.+-]{0,80}$/i.test(type) ? type.toLowerCase() : '';
}
