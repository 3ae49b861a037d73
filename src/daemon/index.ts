/** src/daemon: the node (links, overlay, flooding, direct mode, history, sync) and its control socket. */
export type * from './chat-api.js';
export {
  KonnectNode,
  MAX_BAD_MESSAGES_PER_LINK,
  VERSION,
  defaultNick,
  checkNick,
  checkRoom,
  type NodeOptions,
  type NodeComponents,
  type NodeEvents,
} from './node.js';
export { NodeChatApi } from './node-chat-api.js';
export { ControlServer, socketAnswers } from './control-server.js';
export { ControlClient } from './control-client.js';
export { AttachedClient, type AttachedClientOptions } from './attached-client.js';
export { ProfileStore, type Profile } from './profile-store.js';
export { RoomTopics } from './rooms/room-topics.js';
export { type Clock, type Timer, systemClock } from '../clock/clock.js';
export { createLogger, silentLogger, LOG_LEVELS, type Logger, type LogLevel } from './logger.js';
export { resolveDataDir, ensureDataDir, ensurePrivateFile, checkDataDirPath, dataFiles } from './data-dir.js';
export { HistoryReader } from './history/history-reader.js';
export { loadOrCreateIdentity, loadIdentity, generateIdentity, type Identity } from './identity.js';
export { desiredPeers, linkWanted, DEFAULT_DEGREE } from './links/overlay.js';
export { SeenCache } from './flood/seen-cache.js';
export {
  Link,
  type LinkClosed,
  type LinkTimings,
  DEFAULT_LINK_TIMINGS,
  RTT_REFRESH_INTERVALS,
} from './links/link.js';
export { LinkManager, DEFAULT_PORT } from './links/link-manager.js';
export { FloodRouter, type SignedMessage, type FloodStats } from './flood/flood-router.js';
export { PeerTable, PRESENCE_TTL_MS, MAX_PEERS } from './links/peer-table.js';
export { parseHostPort, formatHostPort } from './links/addresses.js';
export { resolvePeerQuery } from './links/resolve-peer.js';
export { HistoryStore, toChatMessage, type StoredMessage, type StoreOptions } from './history/store.js';
export type { Discovery, Candidate } from '../discovery/index.js';
