/// <reference lib="dom" />
/**
 * src/web/peer: the browser peer. `openWebPeer(options)` opens (or on the first visit makes) the
 * page's identity and history in IndexedDB and links to the node that served the page over its
 * WebSocket; the WebPeer it resolves to is a ChatApi, as a node is to the terminal UI. Runs in a
 * browser bundle (nothing here or below imports a Node built-in) and under Node with `ws` and
 * fake-indexeddb passed in.
 */
import { nobleCrypto } from '../../crypto-noble/index.js';
import { UsageError } from '../../wire/index.js';
import { getMeta, openDb, putMeta } from './idb.js';
import { DEFAULT_WEB_PEER_TIMINGS, type WebPeerOptions } from './options.js';
import { loadReadPositions, loadReadReceipts } from './page-markers.js';
import { PagePins } from './page-pins.js';
import { PageRoomKeys } from './page-room-keys.js';
import { PeerStore } from './peer-store.js';
import { loadNick, loadOrCreateIdentity, saveNick } from './web-identity.js';
import { WebPeer } from './web-peer.js';

export { WebPeer } from './web-peer.js';
export {
  backoffMs,
  DEFAULT_WEB_PEER_TIMINGS,
  wsUrlOf,
  type WebPeerOptions,
  type WebPeerTimings,
} from './options.js';
export { PeerStore, type StoredRow } from './peer-store.js';

/** Opens the page's peer: identity and history first (so history() answers at once), then the link. */
export async function openWebPeer(options: WebPeerOptions): Promise<WebPeer> {
  const g = globalThis as Partial<{
    WebSocket: typeof WebSocket;
    indexedDB: IDBFactory;
    IDBKeyRange: typeof IDBKeyRange;
  }>;
  const WebSocketImpl = options.WebSocket ?? g.WebSocket;
  const indexedDB = options.indexedDB ?? g.indexedDB;
  const KeyRange = options.IDBKeyRange ?? g.IDBKeyRange;
  if (!WebSocketImpl || !indexedDB || !KeyRange)
    throw new UsageError('USAGE', 'the browser peer needs WebSocket and IndexedDB');
  const env = { indexedDB, IDBKeyRange: KeyRange };
  const db = await openDb(env, options.dbName);
  const crypto = nobleCrypto;
  const identity = await loadOrCreateIdentity(db, crypto);
  let nick = await loadNick(db);
  if (nick === null && options.nick !== undefined) {
    await saveNick(db, options.nick);
    nick = options.nick;
  }
  let rooms = await getMeta<string[]>(db, 'rooms');
  if (!rooms) {
    rooms = options.rooms ?? ['lobby'];
    await putMeta(db, 'rooms', rooms);
  }
  const peer = new WebPeer({
    db,
    store: new PeerStore(db, env),
    identity,
    crypto,
    roomKeys: await PageRoomKeys.load(db, crypto),
    pins: await PagePins.load(db),
    nick,
    rooms,
    openDirects: (await getMeta<string[]>(db, 'openDirects')) ?? [],
    reads: await loadReadPositions(db),
    readReceipts: await loadReadReceipts(db),
    options,
    timings: { ...DEFAULT_WEB_PEER_TIMINGS, ...options.timings },
    WebSocket: WebSocketImpl,
  });
  peer.start();
  return peer;
}
