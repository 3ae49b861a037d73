/** What a link is given and what it reports: its timings, options, events and how it closed. */
import type { ErrorCode, HelloMessage, LinkMessage } from '../../wire/index.js';
import type { Clock } from '../../clock/clock.js';
import type { Identity } from '../identity.js';
import type { Logger } from '../logger.js';

export interface LinkTimings {
  /** @default 5000 */
  handshakeTimeoutMs: number;
  /** @default 1000 */
  pingIntervalMs: number;
  /** A link that receives nothing for this long is closed. @default 3000 */
  idleTimeoutMs: number;
}

/** A busy link still sends a ping this many intervals apart, so its round-trip time stays current. */
export const RTT_REFRESH_INTERVALS = 10;

export const DEFAULT_LINK_TIMINGS: LinkTimings = {
  handshakeTimeoutMs: 5000,
  pingIntervalMs: 1000,
  idleTimeoutMs: 3000,
};

/**
 * What a link needs of its connection: a TCP socket has it all; a WebSocket is adapted to it
 * (src/daemon/web/ws-link-socket.ts) so the same handshake, keepalive and bounds run on both.
 */
export interface LinkSocket {
  readonly remoteAddress?: string;
  /** Bytes written and not yet taken by the kernel. */
  readonly writableLength: number;
  setNoDelay(noDelay?: boolean): unknown;
  cork(): void;
  uncork(): void;
  /**
   * Called with whole frames (length prefix and body), one or more per call. `callback` runs once the
   * bytes are written, or with an error once they never will be (as node:net's); the bytes are not
   * copied, so they must stay as they are until then.
   */
  write(data: Uint8Array, callback?: (err?: Error | null) => void): boolean;
  pause(): unknown;
  resume(): unknown;
  end(): unknown;
  destroy(): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'close' | 'end' | 'drain', listener: () => void): unknown;
}

export interface LinkOptions {
  socket: LinkSocket;
  /**
   * A leaf (a browser over WebSocket): relayed for and synced with, but outside the overlay: not
   * counted in its degree, not told to others in peer exchange, never dialled. @default false
   */
  leaf?: boolean;
  direction: 'inbound' | 'outbound';
  identity: Identity;
  /** What this node says of itself in its hello (read when the link starts). */
  hello: () => Pick<HelloMessage, 'nick' | 'port' | 'rooms'>;
  clock: Clock;
  logger: Logger;
  timings?: Partial<LinkTimings>;
  /** @default DEFAULT_MAX_FRAME_BYTES */
  maxFrameBytes?: number;
  /** Bytes queued for a slow peer before it is dropped (it catches up later by sync). @default 8 MiB */
  maxQueueBytes?: number;
  /** Called on every chunk received: the node's quiet-turn scheduler counts them (quiet-turn.ts). */
  onTraffic?: () => void;
  /** A number for the logs, given by the link manager. @default 0 */
  number?: number;
}

export interface LinkClosed {
  code: ErrorCode | 'BYE' | 'CLOSED';
  reason: string;
  /** True when the peer ended the link (bye, error frame or socket end). */
  byPeer: boolean;
}

export interface LinkEvents {
  up: [];
  message: [LinkMessage];
  /** The socket took everything queued: a bulk sender (history sync) may write more. */
  drain: [];
  closed: [LinkClosed];
}
