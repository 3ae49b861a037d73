/** src/daemon/links: TCP links to peers, dials and the listening socket, the overlay that picks them, the peer table and peer exchange, and the table of link message kinds. */
export { formatHostPort, parseHostPort, type HostPort } from './addresses.js';
export {
  BAD_LINK_LOG_ADDRESSES,
  BAD_LINK_LOG_WINDOW_MS,
  BadLinkLog,
  isBadLinkClose,
} from './bad-link-log.js';
export { Dialer, STATIC_BACKOFF_MAX_MS, type DialerOptions, type StaticTarget } from './dialer.js';
export { InboundGate, MAX_PENDING_PER_SOURCE } from './inbound-gate.js';
export { type LinkManagerOptions } from './link-manager-options.js';
export { DEFAULT_MAX_LINKS, DEFAULT_PORT, LinkManager, type LinkManagerEvents } from './link-manager.js';
export { isDuplicateBye, isOverlayBye } from './link-closes.js';
export { LinkMessageTable, type LinkMessageHandler, type LinkMessageKind } from './link-message-table.js';
export {
  DEFAULT_LINK_TIMINGS,
  Link,
  RTT_REFRESH_INTERVALS,
  type LinkClosed,
  type LinkEvents,
  type LinkOptions,
  type LinkSocket,
  type LinkTimings,
} from './link.js';
export { listen } from './listen.js';
export {
  DEFAULT_DEGREE,
  MESH_TARGET_NODES,
  OverlayView,
  desiredPeers,
  hopLimitFor,
  linkWanted,
  type OverlayOptions,
} from './overlay.js';
export { PeerExchange } from './peer-exchange.js';
export {
  FORGET_PEER_AFTER_MS,
  MAX_STORED_PEERS,
  PEER_FILE_VERSION,
  PEER_SAVE_INTERVAL_MS,
  PeerStore,
  parsePeerFile,
  snapshot,
} from './peer-store.js';
export {
  MAX_ADDRESSES,
  MAX_PEERS,
  PRESENCE_TTL_MS,
  PeerTable,
  type FoundBy,
  type PeerEntry,
  type StoredPeer,
} from './peer-table.js';
export { resolvePeerQuery } from './resolve-peer.js';
