/** What the link manager is given: who we are, where to listen, the overlay's bounds, and its collaborators. */
import type { Socket } from 'node:net';
import type { Clock } from '../../clock/index.js';
import type { Identity } from '../identity.js';
import type { Logger } from '../logger.js';
import type { LinkTimings } from './link.js';
import type { PeerStore } from './peer-store.js';
import type { PeerTable } from './peer-table.js';

export interface LinkManagerOptions {
  identity: Identity;
  peers: PeerTable;
  clock: Clock;
  logger: Logger;
  hello: () => { nick: string; port: number; rooms: string[] };
  /** Bind address. @default '0.0.0.0' */
  host?: string;
  /** TCP port; 0 picks a free one. @default 7420, falling back to a free port when taken */
  port?: number;
  /** Target links per node. @default 6 */
  degree?: number;
  /** Hard cap on links, inbound and outbound. @default 64 (DEFAULT_MAX_LINKS) */
  maxLinks?: number;
  /** Cap on connections still in their handshake. @default 16 */
  maxPendingHandshakes?: number;
  timings?: Partial<LinkTimings>;
  maxFrameBytes?: number;
  maxQueueBytes?: number;
  /** Socket factory for outbound dials (tests inject failures). @default net.connect */
  connect?: (host: string, port: number) => Socket;
  /** Backoff between dials of one target. @default { baseMs: 250, maxMs: 30_000 } */
  backoff?: { baseMs: number; maxMs: number };
  /** Backoff between dials of a --peer address. @default { baseMs: 250, maxMs: STATIC_BACKOFF_MAX_MS } */
  staticBackoff?: { baseMs: number; maxMs: number };
  /** Where the peer table is kept across restarts; none keeps it in memory only. */
  peerStore?: PeerStore;
  /** How often the overlay is checked. @default 1000 */
  tickMs?: number;
  random?: () => number;
  /** Called on every chunk a link receives (the node's quiet-turn scheduler). */
  onTraffic?: () => void;
}
