/**
 * The browser peer's history in IndexedDB: each message of its rooms and direct conversations with
 * the signed bytes it came in (so history sync can hand it on exactly as flooded). history() reads
 * only the newest rows of one conversation through the [conv, ts, id] index, so a page with a long
 * history draws at once; the sync index is built from allSigned() later, when a link needs it.
 */
import type { ChatMessage, HistoryQuery } from '../../daemon/chat-api.js';
import type { MessageIdStr } from '../../wire/index.js';
import { BY_CONV, BY_TS, committed, type IdbEnv, MESSAGES, request } from './idb.js';

/** History rows a query returns at most. */
export const MAX_HISTORY_LIMIT = 1000;
export const DEFAULT_HISTORY_LIMIT = 100;

export interface StoredRow extends ChatMessage {
  /** The store's conversation: 'room:<name>' or 'dm:<peer id hex>' (the sync scope). */
  conv: string;
  payload: Uint8Array;
  sig: Uint8Array;
}

/** What a row holds for history sync. */
export interface SignedRow {
  id: MessageIdStr;
  conv: string;
  ts: number;
  payload: Uint8Array;
  sig: Uint8Array;
}

export function convOf(m: Pick<ChatMessage, 'room' | 'peer'>): string {
  return m.room !== null ? `room:${m.room}` : `dm:${m.peer}`;
}

export function toChatMessage(row: StoredRow): ChatMessage {
  const { conv: _conv, payload: _payload, sig: _sig, ...message } = row;
  return message;
}

export class PeerStore {
  constructor(
    private readonly db: IDBDatabase,
    private readonly env: IdbEnv,
  ) {}

  /** Stores a row unless its id is held; true when it was new. */
  async add(row: StoredRow): Promise<boolean> {
    const tx = this.db.transaction(MESSAGES, 'readwrite');
    const store = tx.objectStore(MESSAGES);
    const done = committed(tx);
    const held = await request(store.getKey(row.id));
    if (held === undefined) store.add(row);
    await done;
    return held === undefined;
  }

  async has(id: MessageIdStr): Promise<boolean> {
    const key = await request(this.db.transaction(MESSAGES, 'readonly').objectStore(MESSAGES).getKey(id));
    return key !== undefined;
  }

  async get(id: MessageIdStr): Promise<StoredRow | undefined> {
    return (await request(this.db.transaction(MESSAGES, 'readonly').objectStore(MESSAGES).get(id))) as
      StoredRow | undefined;
  }

  /** Marks an own direct message delivered; the row, or undefined when it is not held or not own. */
  async markDelivered(id: MessageIdStr): Promise<StoredRow | undefined> {
    const tx = this.db.transaction(MESSAGES, 'readwrite');
    const store = tx.objectStore(MESSAGES);
    const done = committed(tx);
    const row = (await request(store.get(id))) as StoredRow | undefined;
    let changed: StoredRow | undefined;
    if (row && row.own && row.direct && row.status !== 'delivered') {
      changed = { ...row, status: 'delivered' };
      store.put(changed);
    }
    await done;
    return changed;
  }

  /** Newest `limit` rows matching, oldest first (ChatApi.history). */
  async history(query: HistoryQuery): Promise<ChatMessage[]> {
    const limit = Math.max(1, Math.min(query.limit ?? DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT));
    const K = this.env.IDBKeyRange;
    const conv =
      query.room !== undefined ? `room:${query.room}` : query.peer !== undefined ? `dm:${query.peer}` : null;
    const before = query.before;
    const tx = this.db.transaction(MESSAGES, 'readonly');
    const store = tx.objectStore(MESSAGES);
    let range: IDBKeyRange;
    let index: IDBIndex;
    if (conv !== null) {
      index = store.index(BY_CONV);
      range = before
        ? K.bound([conv, -Infinity, ''], [conv, before.ts, before.id], false, true)
        : K.bound([conv, -Infinity, ''], [conv, Infinity, '']);
    } else {
      index = store.index(BY_TS);
      range = before ? K.upperBound([before.ts, before.id], true) : K.lowerBound([-Infinity, '']);
    }
    const needle = query.search?.trim().toLowerCase();
    const out: ChatMessage[] = [];
    await new Promise<void>((resolve, reject) => {
      const cursorReq = index.openCursor(range, 'prev');
      cursorReq.onerror = () => reject(cursorReq.error ?? new Error('IndexedDB cursor failed'));
      cursorReq.onsuccess = () => {
        const cursor = cursorReq.result;
        if (!cursor) return resolve();
        const row = cursor.value as StoredRow;
        if (!needle || row.text.toLowerCase().includes(needle)) out.push(toChatMessage(row));
        if (out.length >= limit) return resolve();
        cursor.continue();
      };
    });
    return out.reverse();
  }

  /** Every row's signed bytes, for the sync index (read once, when a link first needs it). */
  async allSigned(): Promise<SignedRow[]> {
    const rows = (await request(
      this.db.transaction(MESSAGES, 'readonly').objectStore(MESSAGES).getAll(),
    )) as StoredRow[];
    return rows.map(({ id, conv, ts, payload, sig }) => ({ id, conv, ts, payload, sig }));
  }

  /** Own direct messages still waiting for a receipt, newest `limit` (sent again on a new link). */
  async undelivered(limit: number): Promise<StoredRow[]> {
    const out: StoredRow[] = [];
    const index = this.db.transaction(MESSAGES, 'readonly').objectStore(MESSAGES).index(BY_TS);
    await new Promise<void>((resolve, reject) => {
      const cursorReq = index.openCursor(null, 'prev');
      cursorReq.onerror = () => reject(cursorReq.error ?? new Error('IndexedDB cursor failed'));
      cursorReq.onsuccess = () => {
        const cursor = cursorReq.result;
        if (!cursor || out.length >= limit) return resolve();
        const row = cursor.value as StoredRow;
        if (row.own && row.direct && row.status === 'sent') out.push(row);
        cursor.continue();
      };
    });
    return out;
  }
}
