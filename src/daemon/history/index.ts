/** src/daemon/history: the SQLite history, its batched writer, and history sync (reconciliation by range digests). */
export { HistoryReader, matchesSearch } from './history-reader.js';
export {
  MAX_ABSENT_IDS,
  MessageWriter,
  WRITE_BATCH_MAX,
  WRITE_BATCH_MS,
  SYNC_WRITE_BATCH_MS,
  type MessageToStore,
  type MessageWriterOptions,
} from './message-writer.js';
export {
  DEFAULT_SYNC_WINDOW_MS,
  MAX_SYNC_IDS_DEFERRED,
  MAX_SYNC_TS,
  SYNC_FANOUT,
  SYNC_ID_LIST_THRESHOLD,
  SYNC_MAX_ROUNDS,
  SYNC_MSGS_MAX_BYTES,
  answerDigest,
  answerIds,
  chunk,
  chunkIds,
  chunkRanges,
  chunkSignedMessages,
  digestFromSums,
  digestSplit,
  digestsEqual,
  idFromText,
  idLanesWith,
  idToText,
  initialRanges,
  isUnitRange,
  isValidRange,
  rangeLast,
  splitBoundaries,
  subRanges,
  type DigestAnswer,
  type IdList,
  type RangeDigest,
  type SignedMessage,
  type SyncStore,
} from './reconcile.js';
export { idLanes, nodeSha256 } from './id-lanes.js';
export { MemorySyncStore, type MemoryEntry } from './store-memory.js';
export { RangeIndex } from './range-index.js';
export { TypedEmitter } from './typed-emitter.js';
export {
  DEFAULT_MAX_AGE_MS,
  DEFAULT_MAX_MESSAGES_PER_SCOPE,
  checkOptions,
  type StoreOptions,
} from './store-options.js';
export {
  COLUMNS,
  ftsQuery,
  toChat,
  toChatMessage,
  toStored,
  type Row,
  type StoredMessage,
} from './store-rows.js';
export { MIGRATIONS, SCHEMA_VERSION, openDatabase, type Db, type OpenedDatabase } from './store-schema.js';
export { prepareAll, type Statements } from './store-statements.js';
export { CHECKPOINT_TARGET_FRAMES, FTS_BATCH, HistoryStore, MAX_HISTORY_LIMIT } from './store.js';
export {
  MAX_SYNC_OUTBOX_BYTES,
  MAX_SYNC_SESSIONS_PER_LINK,
  RESYNC_MIN_INTERVAL_MS,
  SYNC_HIGH_WATER_BYTES,
  SyncCoordinator,
  type SyncCoordinatorOptions,
  type SyncNode,
} from './sync-coordinator.js';
export { SyncService, type SyncServiceContext } from './sync-service.js';
export {
  SyncSession,
  type SyncHost,
  type SyncMessage,
  type SyncSessionEvents,
  type SyncSessionOptions,
  type SyncTransport,
} from './sync-session.js';
export { WalFrames } from './wal-frames.js';
export { WalSync, type Fdatasync } from './wal-sync.js';
