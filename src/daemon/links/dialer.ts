/**
 * Outbound dials: one at a time per address, a connect timeout, and exponential backoff with jitter
 * after a failure, for --peer addresses (capped low: a static peer is wanted back soon) and for peers
 * the overlay chose. The link manager decides whom to dial; this is how.
 */
import type { Socket } from 'node:net';
import { type NodeIdHex, sanitizeLabel } from '../../wire/index.js';
import type { Clock } from '../../clock/index.js';
import type { Logger } from '../logger.js';
import { parseHostPort } from './addresses.js';
import type { PeerTable } from './peer-table.js';
import { connectReusingReads } from './reused-reads.js';

/**
 * Longest wait between dials of a --peer address. Static peers are what a node relies on where
 * multicast fails, so a crashed one is found again within seconds of coming back.
 */
export const STATIC_BACKOFF_MAX_MS = 4000;

export interface StaticTarget {
  address: string;
  id: NodeIdHex | null;
  failures: number;
  nextDialAt: number;
  lastError: string | null;
}

export interface DialerOptions {
  clock: Clock;
  logger: Logger;
  peers: PeerTable;
  connect?: (host: string, port: number) => Socket;
  backoff?: { baseMs: number; maxMs: number };
  staticBackoff?: { baseMs: number; maxMs: number };
  random?: () => number;
  /** The --peer addresses, by address (the link manager's). */
  targets: Map<string, StaticTarget>;
  /** A dial connected: the link starts on this socket. */
  connected: (socket: Socket, address: string, id: NodeIdHex | null) => void;
}

export class Dialer {
  private readonly addresses = new Set<string>();
  private readonly sockets = new Set<Socket>();
  private stopped = false;

  constructor(private readonly opts: DialerOptions) {}

  /** Dials in progress. */
  get dialing(): number {
    return this.addresses.size;
  }

  stop(): void {
    this.stopped = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  backoffDelay(failures: number, isStatic = false): number {
    const { baseMs, maxMs } = isStatic
      ? (this.opts.staticBackoff ?? { baseMs: 250, maxMs: STATIC_BACKOFF_MAX_MS })
      : (this.opts.backoff ?? { baseMs: 250, maxMs: 30_000 });
    const raw = Math.min(maxMs, baseMs * 2 ** Math.min(failures, 20));
    return Math.round(raw * (0.5 + (this.opts.random ?? Math.random)()));
  }

  dial(address: string, id: NodeIdHex | null): void {
    if (this.stopped || this.addresses.has(address)) return;
    const target = parseHostPort(address);
    if (!target) return;
    this.addresses.add(address);
    const socket = (this.opts.connect ?? connectReusingReads)(target.host, target.port);
    this.sockets.add(socket);
    const connectTimer = this.opts.clock.setTimeout(() => socket.destroy(new Error('timed out')), 5000);
    const settle = () => {
      this.opts.clock.clearTimeout(connectTimer);
      this.addresses.delete(address);
      this.sockets.delete(socket);
    };
    const onFail = (err: Error) => {
      settle();
      if (!this.stopped) this.recordFailure(address, id, describeDialError(err));
    };
    socket.once('error', onFail);
    socket.once('connect', () => {
      settle();
      socket.off('error', onFail);
      if (this.stopped) {
        socket.destroy();
        return;
      }
      this.opts.connected(socket, address, id);
    });
  }

  /** A dial of a --peer address came up: its id is known and its failures forgotten. */
  linked(address: string, id: NodeIdHex): void {
    const target = this.opts.targets.get(address);
    if (!target) return;
    target.id = id;
    target.failures = 0;
    target.lastError = null;
  }

  recordFailure(address: string, id: NodeIdHex | null, reason: string): void {
    const now = this.opts.clock.now();
    const target = this.opts.targets.get(address);
    if (target) {
      target.failures++;
      target.lastError = sanitizeLabel(reason);
      target.nextDialAt = now + this.backoffDelay(target.failures, true);
    }
    const entry = id ? this.opts.peers.get(id) : undefined;
    if (entry) {
      entry.failures++;
      entry.lastError = sanitizeLabel(reason);
      entry.nextDialAt = now + this.backoffDelay(entry.failures);
    }
    this.opts.logger.debug('dial failed', { address, reason });
  }
}

function describeDialError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'unreachable';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (err.message === 'timed out') return 'timed out';
  return err.message;
}
