/**
 * What createNode() takes, in the js-libp2p style: `init` holds options (plain values, each with its
 * default), `components` the collaborators a test or an embedder may replace (time, randomness, the
 * logger, the store, discoveries, services with payload kinds of their own).
 */
import type { CryptoProvider } from '../wire/index.js';
import type { Clock } from '../clock/index.js';
import type { Discovery } from '../discovery/types.js';
import type { FloodLimits, QuietTurns, VerifyLoad } from './flood/index.js';
import type { HistoryStore, StoreOptions } from './history/index.js';
import type { Identity } from './identity.js';
import type { LinkTimings } from './links/index.js';
import type { Logger } from './logger.js';
import type { ServiceFactory } from './services/index.js';
import type { WebOptions } from './web/index.js';
import type { FileOptions } from './files/index.js';

export interface NodeOptions {
  dataDir: string;
  /** @default the login name, or 'anon' */
  nick?: string;
  /** @default ['lobby'] */
  rooms?: string[];
  /** @default '0.0.0.0' */
  host?: string;
  /** @default 7420, or a free port when taken */
  port?: number;
  /** Static peers (`host:port`). */
  peers?: string[];
  /** Target links per node. @default 6 */
  degree?: number;
  maxLinks?: number;
  timings?: Partial<LinkTimings>;
  /** How often a node floods a presence heartbeat, ±20 % at random each time. @default 30_000 */
  presenceIntervalMs?: number;
  store?: StoreOptions;
  /** Reconcile history on every new link. @default true */
  sync?: boolean;
  /**
   * Lazy push: links that prove redundant carry message ids instead of messages (push-tree.ts). False
   * floods every message on every link, as the benchmarks compare. @default true
   */
  lazyPush?: boolean;
  /** Work one link and one origin may cause (flood/flood-limits.ts). @default DEFAULT_FLOOD_LIMITS */
  floodLimits?: Partial<FloodLimits>;
  /** Serve the chat page and browser links on the mesh port (src/daemon/web). @default off */
  web?: WebOptions;
  /** Send read markers for direct messages shown on screen (PROTOCOL.md §20). @default true */
  readReceipts?: boolean;
  /** Sharing files: what is kept, fetched without asking, and where it lands (files/file-service.ts). */
  files?: FileOptions;
}

export interface NodeComponents {
  /** @default systemClock */
  clock?: Clock;
  /** For jitter, and to seed the node's message-id counter. @default Math.random */
  random?: () => number;
  /** @default silentLogger */
  logger?: Logger;
  /** @default none */
  discoveries?: Discovery[];
  /** @default loaded from, or made in, the data directory */
  identity?: Identity;
  /** @default the history database in the data directory, opened with `init.store` */
  store?: HistoryStore;
  /** @default nodeCrypto (libsodium, node:crypto as fallback) */
  crypto?: CryptoProvider;
  /**
   * The quiet-turn scheduler and the event loop's load readings. Nodes sharing a process (tests,
   * benchmarks) should share one of each, as they share the event loop. @default a new one each
   */
  quietTurns?: QuietTurns;
  verifyLoad?: VerifyLoad;
  /** Services beyond the built-in ones, each with payload kinds of its own. @default none */
  services?: ServiceFactory[];
}

/** Every collaborator, resolved (createNode fills in the defaults). */
export interface NodeParts {
  identity: Identity;
  clock: Clock;
  random: () => number;
  logger: Logger;
  store: HistoryStore;
  discoveries: Discovery[];
  crypto: CryptoProvider;
  quietTurns: QuietTurns;
  verifyLoad: VerifyLoad;
  /** Services beyond the built-in ones (a payload kind of their own, say). */
  services: ServiceFactory[];
}
