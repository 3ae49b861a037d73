/**
 * src/daemon: the node, composed of services (links, flooding, history and sync, rooms, direct
 * messages, presence), and its control socket. src/daemon/README.md draws them.
 */
export type * from './chat-api.js';
export { KonnectNode, MAX_BAD_MESSAGES_PER_LINK, VERSION, type NodeEvents } from './node.js';
export { createNode } from './create-node.js';
export type { NodeOptions, NodeComponents, NodeParts } from './node-options.js';
export { defaultNick, checkNick, checkRoom } from './names.js';
export type {
  NodeContext,
  NodeSelf,
  NodeService,
  PayloadKind,
  ServiceFactory,
  Via,
} from './services/index.js';
export { MessageWriter, type MessageToStore } from './history/index.js';
export { QuietTurns, VerifyLoad } from './flood/index.js';
export {
  NodeChatApi,
  ControlServer,
  socketAnswers,
  ControlClient,
  remoteApi,
  ControlConnection,
  CONTROL_MAX_FRAME_BYTES,
  HISTORY_PAGE,
  CHAT_METHODS,
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
  AttachedClient,
  type AttachedClientOptions,
} from './control/index.js';
export { ProfileStore, type Profile } from './profile-store.js';
export { parseProfile } from './profile-store.js';
export { parsePeerFile } from './links/index.js';
export { RoomTopics } from './rooms/index.js';
export { type Clock, type Timer, systemClock } from '../clock/index.js';
export { createLogger, silentLogger, LOG_LEVELS, type Logger, type LogLevel } from './logger.js';
export { resolveDataDir, ensureDataDir, ensurePrivateFile, checkDataDirPath, dataFiles } from './data-dir.js';
export { HistoryReader } from './history/index.js';
export { loadOrCreateIdentity, loadIdentity, generateIdentity, type Identity } from './identity.js';
export { desiredPeers, linkWanted, DEFAULT_DEGREE } from './links/index.js';
export { SeenCache } from './flood/index.js';
export {
  Link,
  type LinkClosed,
  type LinkTimings,
  DEFAULT_LINK_TIMINGS,
  RTT_REFRESH_INTERVALS,
} from './links/index.js';
export { LinkManager, DEFAULT_PORT } from './links/index.js';
export {
  CONTENT_SECURITY_POLICY,
  WS_CLOSE,
  WS_PATH,
  WsLinkSocket,
  webService,
  type WebOptions,
} from './web/index.js';
export {
  FloodRouter,
  type SignedMessage,
  type FloodStats,
  DEFAULT_FLOOD_LIMITS,
  type FloodLimits,
} from './flood/index.js';
export { PeerTable, PRESENCE_TTL_MS, MAX_PEERS } from './links/index.js';
export { parseHostPort, formatHostPort } from './links/index.js';
export { resolvePeerQuery } from './links/index.js';
export { HistoryStore, toChatMessage, type StoredMessage, type StoreOptions } from './history/index.js';
export type { Discovery, Candidate } from '../discovery/index.js';
export { formatBytes } from './files/index.js';
export {
  deriveRoomKeyAsync,
  joinPrivateRoom,
  MAX_CARRIED_ROOMS,
  privateRoomList,
  privateRoomsOf,
  rekeyPrivateRoom,
  roomNameTagAsync,
} from './private-rooms/index.js';
