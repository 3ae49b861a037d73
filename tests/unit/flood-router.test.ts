/**
 * The flood router's verification bound, driven directly: messages handed to it faster than the thread
 * pool verifies them pause the link they came on once MAX_VERIFYING are in flight, resume it when the
 * pool has caught up, and every message is still delivered once.
 */
import { describe, expect, it } from 'vitest';
import { generateIdentity, systemClock } from '../../src/daemon/index.js';
import {
  FloodRouter,
  INLINE_PER_TURN,
  MAX_VERIFYING,
  VERIFY_INLINE_BELOW,
  VERIFY_ON_POOL_ABOVE,
  VerifyLoad,
  verifyOnPoolNext,
} from '../../src/daemon/flood/index.js';
import { identityRSignature } from '../helpers/ed25519-edge.js';
import type { Link } from '../../src/daemon/links/link.js';
import { nodeCrypto, rawVerifyBackend } from '../../src/crypto-node/index.js';
import { encodePayload, newMessageId } from '../../src/wire/index.js';
import { waitFor } from '../helpers/wait.js';

type Author = ReturnType<typeof generateIdentity>;

/** A signed chat message from `author`, as a flood frame carries it. */
function chatFlood(author: Author, text: string, ts = Date.now(), hops = 4) {
  const id = newMessageId(ts);
  const payload = encodePayload({ kind: 'chat', id, from: author.id, ts, room: 'lobby', nick: 'a', text });
  return { kind: 'flood' as const, id, hops, payload, sig: nodeCrypto.sign(payload, author.signingKey) };
}

/** A link that records what it is sent in `sent` under its label; a test may set its state to 'closed'. */
function fakeLink(label: string, sent: Map<string, unknown[]>, lazyPush = true): Link & { state: string } {
  sent.set(label, []);
  return {
    label,
    lazyPush,
    state: 'up',
    badMessages: 0,
    pauseReading: () => undefined,
    resumeReading: () => undefined,
    sendFrame: () => true,
    send: (m: unknown) => sent.get(label)!.push(m),
  } as unknown as Link & { state: string };
}

describe('flood router', () => {
  it('pauses reading a link while MAX_VERIFYING verifications are in flight, then resumes it', async () => {
    const author = generateIdentity();
    const delivered: string[] = [];
    const router = new FloodRouter({
      identity: generateIdentity(),
      links: () => [],
      clock: systemClock,
      deliver: (payload) => delivered.push(Buffer.from(payload.id).toString('hex')),
      // One link and one author bring the whole burst: this test is about the pool's bound, not theirs.
      limits: {
        perLink: { ratePerSec: 1e6, burst: 1e6 },
        perLinkInFlight: 1e6,
        perOrigin: { ratePerSec: 1e6, burst: 1e6 },
      },
    });
    const calls: string[] = [];
    const link = {
      label: 'burst',
      state: 'up',
      badMessages: 0,
      pauseReading: () => calls.push('pause'),
      resumeReading: () => calls.push('resume'),
      sendFrame: () => true,
      send: () => true,
    } as unknown as Link;
    const count = MAX_VERIFYING + 200;
    const now = Date.now();
    // All handed over in one synchronous run, as frames of one large read are: none can finish first.
    for (let i = 0; i < count; i++) router.handle(chatFlood(author, `m${i}`, now + i, 1), link);
    expect(calls).toEqual(['pause']);
    await waitFor(() => delivered.length === count, `all ${count} delivered (have ${delivered.length})`, {
      timeoutMs: 30_000,
    });
    expect(calls).toEqual(['pause', 'resume']);
    expect(new Set(delivered).size).toBe(count);
    expect(router.stats.readPauses).toBe(1);
    router.stop();
  });

  describe('verification on the event loop while it is idle', () => {
    const routerWith = (inline: boolean, delivered: unknown[]) =>
      new FloodRouter({
        identity: generateIdentity(),
        links: () => [],
        clock: systemClock,
        deliver: (payload) => delivered.push(payload),
        inlineVerify: () => inline,
      });

    it('verifies on the loop when allowed, and never in the call that handed the message over', async () => {
      const delivered: unknown[] = [];
      const router = routerWith(true, delivered);
      router.handle(chatFlood(generateIdentity(), 'hello'), fakeLink('a', new Map()));
      // Delivered later, as from the pool: the caller's loop over a chunk's frames is not re-entered.
      expect(delivered).toHaveLength(0);
      await waitFor(() => delivered.length === 1, 'the message delivered');
      expect(router.stats.verifiedInline).toBe(1);
      router.stop();
    });

    it('uses the pool when not allowed', async () => {
      const delivered: unknown[] = [];
      const router = routerWith(false, delivered);
      router.handle(chatFlood(generateIdentity(), 'hello'), fakeLink('a', new Map()));
      await waitFor(() => delivered.length === 1, 'the message delivered');
      expect(router.stats.verifiedInline).toBe(0);
      router.stop();
    });

    it('refuses on the pool exactly what libsodium refuses on the loop (an R of small order)', async () => {
      for (const inline of [true, false]) {
        const author = generateIdentity();
        const delivered: unknown[] = [];
        const router = routerWith(inline, delivered);
        const flood = chatFlood(author, 'R is the identity');
        // node:crypto's own verify accepts this signature (wire-crypto.test.ts); konnect must not.
        const edge = { ...flood, sig: identityRSignature(author.signingKey, author.id, flood.payload) };
        const honest = fakeLink('honest', new Map());
        router.handle(edge, honest);
        router.handle(chatFlood(author, 'a plain message'), honest);
        await waitFor(() => delivered.length === 1, `the plain message delivered (inline ${inline})`);
        expect(router.stats.rejected, `inline ${inline}`).toBe(1);
        router.stop();
      }
    });

    it('rejects a forged copy verified on the loop and still accepts the genuine one behind it', async () => {
      const author = generateIdentity();
      const delivered: unknown[] = [];
      const router = routerWith(true, delivered);
      const genuine = chatFlood(author, 'genuine');
      const forged = { ...genuine, sig: Buffer.alloc(64, 7) };
      const [liar, honest] = [fakeLink('liar', new Map()), fakeLink('honest', new Map())];
      router.handle(forged, liar);
      router.handle(genuine, honest);
      await waitFor(() => delivered.length === 1, 'the genuine message delivered');
      expect(router.stats.rejected).toBe(1);
      expect(liar.badMessages).toBe(1);
      expect(router.stats.verifiedInline).toBe(2);
      router.stop();
    });

    it(`lets at most ${INLINE_PER_TURN} verifications a turn onto the loop`, async () => {
      const load = new VerifyLoad();
      const taken = () =>
        Array.from({ length: INLINE_PER_TURN + 20 }, () => load.inlineSlot()).filter(Boolean).length;
      expect(taken()).toBeLessThanOrEqual(INLINE_PER_TURN);
      expect(taken()).toBe(0); // the same turn: its slots are spent (or the loop is saturated)
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(taken()).toBeLessThanOrEqual(INLINE_PER_TURN);
    });

    it('moves verification to the pool only after a saturated window, and back after a lighter one', () => {
      // On libsodium: to the pool from 95 % busy, back at 85 % (node:crypto: 30 % both ways).
      const [up, down] = [VERIFY_ON_POOL_ABOVE, VERIFY_INLINE_BELOW];
      expect(up).toBe(rawVerifyBackend === 'libsodium' ? 0.95 : 0.3);
      expect(down).toBe(rawVerifyBackend === 'libsodium' ? 0.85 : 0.3);
      expect(verifyOnPoolNext(false, up - 0.01)).toBe(false);
      expect(verifyOnPoolNext(false, up)).toBe(true);
      expect(verifyOnPoolNext(true, down + 0.01)).toBe(true);
      expect(verifyOnPoolNext(true, down)).toBe(false);
      expect(verifyOnPoolNext(false, 0.18)).toBe(false);
    });
  });

  it('prunes only neighbours whose hello offered lazy push: an older node keeps getting whole messages', async () => {
    const author = generateIdentity();
    const delivered: unknown[] = [];
    const router = new FloodRouter({
      identity: generateIdentity(),
      links: () => [],
      clock: systemClock,
      deliver: (payload) => delivered.push(payload),
    });
    const sent = new Map<string, unknown[]>();
    const [first, old, current] = [
      fakeLink('first', sent),
      fakeLink('old', sent, false),
      fakeLink('current', sent),
    ];
    const flood = chatFlood(author, 'once');
    router.handle(flood, first);
    await waitFor(() => delivered.length === 1, 'the first copy delivered');
    router.handle(flood, old);
    router.handle(flood, current);
    expect(sent.get('old')).toEqual([]);
    expect(sent.get('current')).toEqual([{ kind: 'prune', origin: Buffer.from(author.id) }]);
    router.stop();
  });

  describe('tree repair', () => {
    const author = generateIdentity();
    const setup = () => {
      const delivered: unknown[] = [];
      const sent = new Map<string, unknown[]>();
      const links: (Link & { state: string })[] = [];
      const fake = (label: string, lazyPush = true) => {
        const link = fakeLink(label, sent, lazyPush);
        links.push(link);
        return link;
      };
      const router = new FloodRouter({
        identity: generateIdentity(),
        links: () => links.filter((l) => l.state === 'up'),
        clock: systemClock,
        deliver: (payload) => delivered.push(payload),
      });
      let n = 0;
      const flood = () => chatFlood(author, `m${n++}`);
      const repairs = (label: string) =>
        sent.get(label)!.filter((m) => (m as { kind: string; origins?: unknown }).kind === 'graft');
      return { router, fake, flood, delivered, sent, repairs };
    };
    const origins = [Buffer.from(author.id)];

    it('losing the parent link asks the other lazy-push links to push its origins; a flooder is not asked', async () => {
      const { router, fake, flood, delivered, repairs } = setup();
      const [parent, other] = [fake('parent'), fake('other')];
      fake('older', false);
      router.handle(flood(), parent);
      await waitFor(() => delivered.length === 1, 'the message delivered');
      parent.state = 'closed';
      router.linkDown(parent);
      expect(repairs('other')).toEqual([{ kind: 'graft', ids: [], origins }]);
      expect(repairs('older')).toEqual([]);
      router.linkDown(other); // not a parent of anything
      expect(repairs('older')).toEqual([]);
      router.stop();
    });

    it('no repair for a link replaced by its duplicate, nor while the node stops', async () => {
      const { router, fake, flood, delivered, repairs } = setup();
      const [a, b] = [fake('a'), fake('b')];
      fake('c');
      router.handle(flood(), a);
      await waitFor(() => delivered.length === 1, 'the first message delivered');
      router.linkDown(a, { replaced: true });
      expect(repairs('b')).toEqual([]);
      router.handle(flood(), b);
      await waitFor(() => delivered.length === 2, 'the second message delivered');
      router.beginStop();
      router.linkDown(b);
      expect(repairs('c')).toEqual([]);
      router.stop();
    });

    it('a link that goes down while its copy is verified becomes nobody’s parent, and prunes nobody', async () => {
      const { router, fake, flood, delivered, sent, repairs } = setup();
      const [parent, racer] = [fake('parent'), fake('racer')];
      fake('other');
      router.handle(flood(), parent);
      await waitFor(() => delivered.length === 1, 'the first message delivered');
      // The next message comes first on racer, then on the parent while racer's copy is verified;
      // racer closes before the verification ends.
      const next = flood();
      router.handle(next, racer);
      router.handle(next, parent);
      racer.state = 'closed';
      router.linkDown(racer);
      await waitFor(() => delivered.length === 2, 'the second message delivered');
      expect(sent.get('parent')).not.toContainEqual({ kind: 'prune', origin: Buffer.from(author.id) });
      // The parent is still the parent: losing it now is repaired.
      parent.state = 'closed';
      router.linkDown(parent);
      expect(repairs('other')).toEqual([{ kind: 'graft', ids: [], origins }]);
      router.stop();
    });
  });
});
