/**
 * Signature checks for the flood router, with their backpressure: where each runs (event loop or
 * thread pool, verify-load.ts decides) and how many may be in flight before the links bringing more
 * stop being read. Its own file because it is the one place that holds verification work.
 */
import type { KeyObject } from 'node:crypto';
import { type Bytes, strictEd25519 } from '../../wire/index.js';
import {
  type Check,
  importedEd25519Key,
  verifyRaw,
  verifyThen,
  VerifyPool,
} from '../../crypto-node/index.js';
import type { Link } from '../links/index.js';

/** Verifications in flight on the thread pool before the links bringing more are paused. */
export const MAX_VERIFYING = 4096;

export class SignatureCheck {
  /** Verifications on the thread pool now, and the links not read meanwhile. */
  private verifying = 0;
  private readonly pausedLinks = new Set<Link>();

  constructor(
    private readonly stats: { verifiedInline: number; readPauses: number },
    private readonly inlineVerify: () => boolean,
  ) {}

  /**
   * Verifies off the event loop (verify-pool.ts: libsodium in worker threads, else node:crypto on
   * libuv's thread pool), or (`mayInline`, a flooded message) on the event loop unless it is saturated
   * and nothing is on the pool (inlineVerify); `done` is always called later, never in this call.
   * Reading a socket is cheap and verifying is not: a peer sending signed messages faster than the
   * pool verifies them would queue work and buffers without limit. So once MAX_VERIFYING are in
   * flight, the link that brought one more stops being read (TCP pushes back on its sender) until the
   * pool is down to half; what was already read still goes on, and past twice the bound it is verified
   * right here on the event loop.
   */
  verify(
    message: { payload: Bytes; sig: Bytes },
    from: Bytes,
    link: Link | null,
    done: (valid: boolean) => void,
    mayInline = false,
  ): void {
    const inline = mayInline && this.verifying === 0 && this.inlineVerify();
    if (inline) this.stats.verifiedInline++;
    if (this.verifying >= MAX_VERIFYING && link && !this.pausedLinks.has(link)) {
      this.stats.readPauses++;
      this.pausedLinks.add(link);
      link.pauseReading();
    }
    if (inline || this.verifying >= 2 * MAX_VERIFYING) {
      const valid = verifyRaw(message.payload, message.sig, from);
      queueMicrotask(() => done(valid));
      return;
    }
    this.verifying++;
    const settled = (valid: boolean): void => {
      this.verifying--;
      if (this.verifying <= MAX_VERIFYING / 2 && this.pausedLinks.size > 0) {
        for (const paused of this.pausedLinks) paused.resumeReading();
        this.pausedLinks.clear();
      }
      done(valid);
    };
    const pool = VerifyPool.forProcess(onLibuvPool);
    if (pool) pool.verify(message.payload, message.sig, from, settled);
    else onLibuvPool({ data: message.payload, signature: message.sig, publicKey: from }, settled);
  }

  /** A link closed: it is not resumed later. */
  forget(link: Link): void {
    this.pausedLinks.delete(link);
  }

  stop(): void {
    this.pausedLinks.clear();
  }
}

/**
 * node:crypto on libuv's thread pool: where the verify workers cannot run (no libsodium, or they
 * failed). libsodium's rules (crypto.ts), which verifyRaw applies on either library: node:crypto must
 * not accept more. `done` is called later, never in this call.
 */
function onLibuvPool(check: Check, done: (valid: boolean) => void): void {
  if (!strictEd25519(check.signature, check.publicKey)) {
    queueMicrotask(() => done(false));
    return;
  }
  let key: KeyObject;
  try {
    key = importedEd25519Key(check.publicKey);
  } catch {
    queueMicrotask(() => done(false)); // a key that does not import is as bad as a bad signature
    return;
  }
  verifyThen(check.data, check.signature, key, done);
}
