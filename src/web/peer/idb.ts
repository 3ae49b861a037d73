/// <reference lib="dom" />
/**
 * The browser peer's IndexedDB database: one `meta` store (identity, nick, rooms, open directs,
 * topics) and one `messages` store, indexed by conversation and (ts, id) so a page draws the newest
 * messages of a conversation without reading the others. Small promise wrappers over the callback API.
 */

export const DB_NAME = 'konnect';
export const DB_VERSION = 1;
export const META = 'meta';
export const MESSAGES = 'messages';
/** messages by [conv, ts, id]: a conversation's history in order. */
export const BY_CONV = 'by-conv';
/** messages by [ts, id]: every conversation in order (history without a conversation). */
export const BY_TS = 'by-ts';

/** The DOM's IndexedDB, or fake-indexeddb's in tests. */
export interface IdbEnv {
  indexedDB: IDBFactory;
  IDBKeyRange: typeof IDBKeyRange;
}

export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** Resolves when a read-write transaction has committed (its writes are durable for the page). */
export function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

export function openDb(env: IdbEnv, name = DB_NAME): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = env.indexedDB.open(name, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
      if (!db.objectStoreNames.contains(MESSAGES)) {
        const messages = db.createObjectStore(MESSAGES, { keyPath: 'id' });
        messages.createIndex(BY_CONV, ['conv', 'ts', 'id']);
        messages.createIndex(BY_TS, ['ts', 'id']);
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error(`cannot open IndexedDB ${name}`));
    req.onblocked = () => reject(new Error(`IndexedDB ${name} is held open by another version of the page`));
  });
}

export async function getMeta<T>(db: IDBDatabase, key: string): Promise<T | undefined> {
  return (await request(db.transaction(META, 'readonly').objectStore(META).get(key))) as T | undefined;
}

export async function putMeta(db: IDBDatabase, key: string, value: unknown): Promise<void> {
  const tx = db.transaction(META, 'readwrite');
  tx.objectStore(META).put(value, key);
  await committed(tx);
}
