/** src/daemon/links: TCP links to peers, the overlay that picks them, the peer table, and the table of link message kinds. */
export { formatHostPort, parseHostPort, type HostPort } from './addresses.js';
export {
  BAD_LINK_LOG_ADDRESSES,
  BAD_LINK_LOG_WINDOW_MS,
  BadLinkLog,
  isBadLinkClose,
} from './bad-link-log.js';
export {
  DEFAULT_MAX_LINKS,
  DEFAULT_PORT,
  LinkManager,
  MAX_PENDING_PER_SOURCE,
  STATIC_BACKOFF_MAX_MS,
  isDuplicateBye,
  isOverlayBye,
  type LinkManagerEvents,
  type LinkManagerOptions,
} from './link-manager.js';
export { LinkMessageTable, type LinkMessageHandler, type LinkMessageKind } from './link-message-table.js';
export {
  DEFAULT_LINK_TIMINGS,
  Link,
  RTT_REFRESH_INTERVALS,
  type LinkClosed,
  type LinkEvents,
  type LinkOptions,
  type LinkTimings,
} from './link.js';
export { DEFAULT_DEGREE, OverlayView, desiredPeers, linkWanted, type OverlayOptions } from './overlay.js';
export {
  FORGET_PEER_AFTER_MS,
  MAX_STORED_PEERS,
  PEER_FILE_VERSION,
  PEER_SAVE_INTERVAL_MS,
  PeerStore,
  parsePeerFile,
  snapshot,
  type StoredPeer,
} from './peer-store.js';
export {
  MAX_ADDRESSES,
  MAX_PEERS,
  PRESENCE_TTL_MS,
  PeerTable,
  type FoundBy,
  type PeerEntry,
} from './peer-table.js';
export { resolvePeerQuery } from './resolve-peer.js';
