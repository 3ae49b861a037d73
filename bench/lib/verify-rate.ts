/**
 * The physical bound of flooding: every node verifies every new message once (ed25519, ~35 µs here on
 * libsodium), so a mesh cannot deliver more than cores × verifications per second ÷ (N − 1) messages
 * per second (the origin verifies nothing). Measured in the run itself, on the same 200-byte signed chat payload the scenarios send, with
 * the fastest verification konnect has (verifyRaw: libsodium where it loads). Under saturation the
 * pool verifies on node:crypto (~57 µs): a bound on that rate is the lower one, and scenario 2 shows
 * the ratio against both.
 */
import { performance } from 'node:perf_hooks';
import { generateIdentity } from '../../src/daemon/index.js';
import { rawVerifiers, verifyRaw } from '../../src/crypto-node/index.js';
import { signedChat } from './chat.js';
import { sleep } from './time.js';

/**
 * ed25519 verifications per second on one core (verifyRaw: the node id is the key), or with
 * node:crypto, which the pool runs when the loop is saturated.
 */
export async function verifiesPerSecond(
  seconds: number,
  on: 'fastest' | 'node:crypto' = 'fastest',
): Promise<number> {
  const verifyRawWith = on === 'fastest' ? verifyRaw : rawVerifiers['node:crypto']; // keys cached
  const author = generateIdentity();
  const chat = signedChat(author, 'lobby', Date.now(), 0);
  const key = author.id;
  if (!verifyRawWith(chat.bytes, chat.sig, key))
    throw new Error('verify-rate: the signature does not verify');
  const warmUntil = performance.now() + seconds * 200;
  while (performance.now() < warmUntil) verifyRawWith(chat.bytes, chat.sig, key);
  let ops = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 32; i++) verifyRawWith(chat.bytes, chat.sig, key);
    ops += 32;
  }
  const rate = ops / ((performance.now() - start) / 1000);
  await sleep(0);
  return rate;
}

/**
 * The highest rate an N-node mesh can sustain if verifying were all it did: cores × verifies/s ÷ (N − 1).
 * The origin verifies nothing it wrote, so each message costs N − 1 verifications, not N (dividing by N
 * made the bound lower than it is and the ratio to it flattering).
 * `cores`: those the verifications can run on (the thread pool's, up to the machine's).
 */
export function verifyBound(verifies: number, n: number, cores = 1): number {
  return (cores * verifies) / Math.max(1, n - 1);
}
