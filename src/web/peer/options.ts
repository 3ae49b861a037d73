/// <reference lib="dom" />
/** What openWebPeer() takes, each with its default. */
import { DEFAULT_WEB_LINK_TIMINGS, type LinkTimingsWeb } from './ws-link.js';

export interface WebPeerTimings extends LinkTimingsWeb {
  /** First reconnect delay; doubled per failure. @default 250 */
  backoffMinMs: number;
  /** Longest reconnect delay. @default 5000 */
  backoffMaxMs: number;
  /** Presence heartbeat, ±20 % each time. @default 30_000 */
  presenceIntervalMs: number;
  /** Failed connects in a row after which the page tries another known node. @default 3 */
  failoverAfter: number;
}

export const DEFAULT_WEB_PEER_TIMINGS: WebPeerTimings = {
  ...DEFAULT_WEB_LINK_TIMINGS,
  backoffMinMs: 250,
  backoffMaxMs: 5000,
  presenceIntervalMs: 30_000,
  failoverAfter: 3,
};

export interface WebPeerOptions {
  /** The node's WebSocket endpoint, `ws://HOST:PORT/ws`. */
  url: string;
  /** Sets the nick (and so needsNick false) when none is kept yet. */
  nick?: string;
  /** Rooms on the first visit. @default ['lobby'] */
  rooms?: string[];
  /** @default globalThis.WebSocket */
  WebSocket?: typeof WebSocket;
  /** @default globalThis.indexedDB */
  indexedDB?: IDBFactory;
  /** @default globalThis.IDBKeyRange */
  IDBKeyRange?: typeof IDBKeyRange;
  /** IndexedDB database name (two pages in one test each need their own). @default 'konnect' */
  dbName?: string;
  timings?: Partial<WebPeerTimings>;
  /** Each message or frame dropped for breaking a rule, with its coded error. @default none */
  onProtocolError?: (err: Error) => void;
}

/** Reconnect delay after `failures` failures in a row: exponential, bounded, with jitter. */
export function backoffMs(
  failures: number,
  t: Pick<WebPeerTimings, 'backoffMinMs' | 'backoffMaxMs'>,
  random = Math.random,
): number {
  const base = Math.min(t.backoffMaxMs, t.backoffMinMs * 2 ** Math.min(failures, 20));
  return Math.round(base * (0.5 + 0.5 * random()));
}

/** `host:port` of a ws:// URL. */
export function hostPortOf(url: string): string {
  return new URL(url).host;
}

/** The WebSocket endpoint of a node at `host:port` (its web page is on its mesh port). */
export function wsUrlOf(address: string): string {
  return `ws://${address}/ws`;
}
