/** What a link is given and what it reports: its timings, options, events and how it closed. */
import type { Socket } from 'node:net';
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

export interface LinkOptions {
  socket: Socket;
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
