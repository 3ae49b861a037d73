/**
 * Says at the default log level that a link was closed for what its peer sent (an oversized frame,
 * garbage, a schema violation, a failed handshake): otherwise a misbehaving or hostile peer leaves no
 * trace. One line per closed link with the code and the address, at most one per address per window,
 * so a peer reconnecting in a loop cannot flood the log; what was held back is counted in the next line.
 */
import type { ErrorCode } from '../../wire/index.js';
import type { LinkClosed } from './link.js';
import type { Logger } from '../logger.js';

/** Codes that mean the peer broke the protocol, as opposed to a link that timed out or was replaced. */
const BAD_LINK_CODES: ReadonlySet<LinkClosed['code']> = new Set<ErrorCode>([
  'FRAME_TOO_LARGE',
  'FRAME_MALFORMED',
  'SCHEMA_INVALID',
  'SIGNATURE_INVALID',
  'SEAL_INVALID',
  'KEY_INVALID',
  'HANDSHAKE_FAILED',
  'HANDSHAKE_TIMEOUT',
  'VERSION_MISMATCH',
  'PROTOCOL_VIOLATION',
]);

/** One line per address at most this often. @default 60 s */
export const BAD_LINK_LOG_WINDOW_MS = 60_000;
/** Addresses remembered for rate limiting. */
export const BAD_LINK_LOG_ADDRESSES = 1024;

/** This node closed the link because of what the peer sent. */
export function isBadLinkClose(closed: LinkClosed): boolean {
  return !closed.byPeer && BAD_LINK_CODES.has(closed.code);
}

export class BadLinkLog {
  private readonly byAddress = new Map<string, { loggedAt: number; heldBack: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  report(link: { remoteAddress: string; label: string }, closed: LinkClosed): void {
    const now = this.now();
    const address = link.remoteAddress;
    const seen = this.byAddress.get(address);
    if (seen && now - seen.loggedAt < BAD_LINK_LOG_WINDOW_MS) {
      seen.heldBack++;
      return;
    }
    this.byAddress.delete(address);
    if (this.byAddress.size >= BAD_LINK_LOG_ADDRESSES) this.forgetOldest(now);
    this.byAddress.set(address, { loggedAt: now, heldBack: 0 });
    this.logger.info('closed a bad link', {
      code: closed.code,
      address,
      peer: link.label,
      reason: closed.reason.slice(0, 200),
      ...(seen && seen.heldBack > 0 ? { more: seen.heldBack } : {}),
    });
  }

  private forgetOldest(now: number): void {
    for (const [address, entry] of this.byAddress) {
      if (now - entry.loggedAt >= BAD_LINK_LOG_WINDOW_MS) this.byAddress.delete(address);
    }
    // Still full: insertion order is logging order, so the first is the oldest.
    if (this.byAddress.size >= BAD_LINK_LOG_ADDRESSES) {
      this.byAddress.delete(this.byAddress.keys().next().value as string);
    }
  }
}
