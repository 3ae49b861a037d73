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
export { ControlClient, remoteApi } from './control-client.js';
export { ControlConnection } from './control-connection.js';
export { CONTROL_MAX_FRAME_BYTES, HISTORY_PAGE } from './control-protocol.js';
export { CHAT_METHODS } from './chat-methods.js';
export {
  MethodSession,
  call,
  arg,
  fields,
  events,
  remoteCalls,
  forwardCalls,
  type ArgSpec,
  type CallSpec,
  type EventsSpec,
  type MethodTable,
  type RemoteCalls,
} from './method-table.js';
export { AttachedClient, type AttachedClientOptions } from './attached-client.js';
export { ProfileStore, type Profile } from './profile-store.js';
export { parseProfile } from './profile-store.js';
export { parsePeerFile } from './peer-store.js';
export { RoomTopics } from './room-topics.js';
export { type Clock, type Timer, systemClock } from './clock.js';
export { createLogger, silentLogger, LOG_LEVELS, type Logger, type LogLevel } from './logger.js';
export { resolveDataDir, ensureDataDir, ensurePrivateFile, checkDataDirPath, dataFiles } from './data-dir.js';
export { HistoryReader } from './history-reader.js';
export { loadOrCreateIdentity, loadIdentity, generateIdentity, type Identity } from './identity.js';
export { desiredPeers, linkWanted, DEFAULT_DEGREE } from './overlay.js';
export { SeenCache } from './seen-cache.js';
export {
  Link,
  type LinkClosed,
  type LinkTimings,
  DEFAULT_LINK_TIMINGS,
  RTT_REFRESH_INTERVALS,
} from './link.js';
export { LinkManager, DEFAULT_PORT } from './link-manager.js';
export { FloodRouter, type SignedMessage, type FloodStats } from './flood-router.js';
export { DEFAULT_FLOOD_LIMITS, type FloodLimits } from './flood-limits.js';
export { PeerTable, PRESENCE_TTL_MS, MAX_PEERS } from './peer-table.js';
export { parseHostPort, formatHostPort } from './addresses.js';
export { resolvePeerQuery } from './resolve-peer.js';
export { HistoryStore, toChatMessage, type StoredMessage, type StoreOptions } from './store.js';
export type { Discovery, Candidate } from '../discovery/index.js';
