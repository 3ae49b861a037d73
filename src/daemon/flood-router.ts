/**
 * The flood router: every flooded message is handled once per node. It reads the id, drops what it has
 * seen (before any signature work: verification costs ~90 µs, a map lookup almost nothing), verifies
 * the rest once, hands it to the node, and forwards the origin's exact payload and signature with the
 * hop counter decremented to every link but the one it came from, as one pre-encoded frame.
 */
import type { KeyObject } from 'node:crypto';
import {
  type Bytes,
  DEFAULT_HOPS,
  decodePayloadWithOrigin,
  ed25519PublicKey,
  encodeFrame,
  encodePayload,
  type FloodMessage,
  isKonnectError,
  type Payload,
  sign,
  toHex,
  verify,
} from '../wire/index.js';
import type { Identity } from './identity.js';
import type { Link } from './link.js';
import { SeenCache } from './seen-cache.js';

export interface FloodStats {
  received: number;
  duplicates: number;
  delivered: number;
  forwardedFrames: number;
  rejected: number;
}

export interface SignedMessage {
  id: Bytes;
  payload: Bytes;
  sig: Bytes;
}

export interface FloodRouterOptions {
  identity: Identity;
  links: () => Iterable<Link>;
  now: () => number;
  /** Called once per new, verified message (own messages excepted). */
  deliver: (payload: Payload, signed: SignedMessage, from: Link | null) => void;
  seen?: SeenCache;
  /** Whether a message is already held (in the history store): such a message is a duplicate too. */
  isKnown?: (id: Bytes) => boolean;
  /** Called when a link sends a message that fails verification. */
  onRejected?: (link: Link | null, reason: string) => void;
}

export class FloodRouter {
  readonly stats: FloodStats = { received: 0, duplicates: 0, delivered: 0, forwardedFrames: 0, rejected: 0 };
  private readonly opts: FloodRouterOptions;
  private readonly seen: SeenCache;
  private readonly keys = new Map<string, KeyObject>();

  constructor(opts: FloodRouterOptions) {
    this.opts = opts;
    this.seen = opts.seen ?? new SeenCache();
  }

  /** Signs and floods a payload written by this node; returns the signed message. */
  originate(payload: Payload, options: { only?: Link; hops?: number } = {}): SignedMessage {
    const bytes = encodePayload(payload);
    const signed = { id: payload.id, payload: bytes, sig: sign(bytes, this.opts.identity.signingKey) };
    this.seen.add(seenKey(payload.id), this.opts.now());
    const frame = encodeFrame({
      kind: 'flood',
      id: signed.id,
      hops: options.hops ?? DEFAULT_HOPS,
      payload: signed.payload,
      sig: signed.sig,
    });
    if (options.only) options.only.sendFrame(frame);
    else this.broadcast(frame, null);
    return signed;
  }

  /** Sends an already signed message (a replay of presence, or a message learned by sync) onwards. */
  forward(signed: SignedMessage, except: Link | null, hops = DEFAULT_HOPS, only?: Link): void {
    const frame = encodeFrame({
      kind: 'flood',
      id: signed.id,
      hops,
      payload: signed.payload,
      sig: signed.sig,
    });
    if (only) only.sendFrame(frame);
    else this.broadcast(frame, except);
  }

  hasSeen(id: Bytes): boolean {
    return this.seen.has(seenKey(id), this.opts.now());
  }

  markSeen(id: Bytes): void {
    this.seen.add(seenKey(id), this.opts.now());
  }

  /** Handles a flood frame from a link. */
  handle(message: FloodMessage, from: Link): void {
    this.stats.received++;
    if (this.hasSeen(message.id) || this.opts.isKnown?.(message.id)) {
      this.stats.duplicates++;
      return;
    }
    const payload = this.check(message, from);
    if (!payload) return;
    this.markSeen(message.id);
    if (message.hops > 1) {
      this.broadcast(
        encodeFrame({
          kind: 'flood',
          id: message.id,
          hops: message.hops - 1,
          payload: message.payload,
          sig: message.sig,
        }),
        from,
      );
    }
    if (payload !== 'ignored') {
      this.stats.delivered++;
      this.opts.deliver(payload, message, from);
    }
  }

  /**
   * Verifies a signed message on its own (used by history sync too). Returns the payload, 'ignored'
   * for a valid message of a kind this version does not know, or null when it must be dropped.
   */
  check(message: SignedMessage, from: Link | null): Payload | 'ignored' | null {
    let decoded: ReturnType<typeof decodePayloadWithOrigin>;
    try {
      decoded = decodePayloadWithOrigin(message.payload);
    } catch (err) {
      this.reject(from, `undecodable payload: ${isKonnectError(err) ? err.message : String(err)}`);
      return null;
    }
    const { payload, origin } = decoded;
    if (Buffer.compare(origin.id, message.id) !== 0) {
      this.reject(from, 'envelope id differs from payload id');
      return null;
    }
    let valid = false;
    try {
      valid = verify(message.payload, message.sig, this.publicKey(origin.from));
    } catch {
      // a key that does not import is as bad as a signature that does not verify
    }
    if (!valid) {
      this.reject(from, 'bad signature');
      return null;
    }
    // A valid message of a kind this version does not know is relayed (newer nodes may understand
    // it) but not delivered; it was verified like any other, so nobody can flood junk through us.
    return payload ?? 'ignored';
  }

  private reject(from: Link | null, reason: string): void {
    this.stats.rejected++;
    if (from) from.badMessages++;
    this.opts.onRejected?.(from, reason);
  }

  private publicKey(id: Bytes): KeyObject {
    const hex = toHex(id);
    let key = this.keys.get(hex);
    if (!key) {
      key = ed25519PublicKey(id);
      if (this.keys.size > 10_000) this.keys.clear();
      this.keys.set(hex, key);
    }
    return key;
  }

  private broadcast(frame: Buffer, except: Link | null): void {
    for (const link of this.opts.links()) {
      if (link === except) continue;
      if (link.sendFrame(frame)) this.stats.forwardedFrames++;
    }
  }
}

function seenKey(id: Bytes): string {
  return Buffer.from(id.buffer, id.byteOffset, id.length).toString('latin1');
}
