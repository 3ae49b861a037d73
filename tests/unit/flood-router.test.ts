/**
 * The flood router's verification bound, driven directly: messages handed to it faster than the thread
 * pool verifies them pause the link they came on once MAX_VERIFYING are in flight, resume it when the
 * pool has caught up, and every message is still delivered once.
 */
import { describe, expect, it } from 'vitest';
import { generateIdentity, systemClock } from '../../src/daemon/index.js';
import { FloodRouter, MAX_VERIFYING } from '../../src/daemon/flood-router.js';
import type { Link } from '../../src/daemon/link.js';
import { encodePayload, newMessageId, sign } from '../../src/wire/index.js';
import { waitFor } from '../helpers/wait.js';

describe('flood router', () => {
  it('pauses reading a link while MAX_VERIFYING verifications are in flight, then resumes it', async () => {
    const author = generateIdentity();
    const delivered: string[] = [];
    const router = new FloodRouter({
      identity: generateIdentity(),
      links: () => [],
      clock: systemClock,
      deliver: (payload) => delivered.push(Buffer.from(payload.id).toString('hex')),
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
    for (let i = 0; i < count; i++) {
      const id = newMessageId(now + i);
      const payload = encodePayload({
        kind: 'chat',
        id,
        from: author.id,
        ts: now + i,
        room: 'lobby',
        nick: 'a',
        text: `m${i}`,
      });
      router.handle({ kind: 'flood', id, hops: 1, payload, sig: sign(payload, author.signingKey) }, link);
    }
    expect(calls).toEqual(['pause']);
    await waitFor(() => delivered.length === count, `all ${count} delivered (have ${delivered.length})`, {
      timeoutMs: 30_000,
    });
    expect(calls).toEqual(['pause', 'resume']);
    expect(new Set(delivered).size).toBe(count);
    expect(router.stats.readPauses).toBe(1);
    router.stop();
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
    const fake = (label: string, lazyPush: boolean) => {
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
      } as unknown as Link;
    };
    const [first, old, current] = [fake('first', true), fake('old', false), fake('current', true)];
    const id = newMessageId();
    const payload = encodePayload({
      kind: 'chat',
      id,
      from: author.id,
      ts: Date.now(),
      room: 'lobby',
      nick: 'a',
      text: 'once',
    });
    const flood = { kind: 'flood' as const, id, hops: 4, payload, sig: sign(payload, author.signingKey) };
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
      const links: Link[] = [];
      const fake = (label: string, lazyPush = true) => {
        sent.set(label, []);
        const link = {
          label,
          lazyPush,
          state: 'up',
          badMessages: 0,
          pauseReading: () => undefined,
          resumeReading: () => undefined,
          sendFrame: () => true,
          send: (m: unknown) => sent.get(label)!.push(m),
        } as unknown as Link & { state: string };
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
      const flood = () => {
        const id = newMessageId();
        const payload = encodePayload({
          kind: 'chat',
          id,
          from: author.id,
          ts: Date.now(),
          room: 'lobby',
          nick: 'a',
          text: `m${n++}`,
        });
        return { kind: 'flood' as const, id, hops: 4, payload, sig: sign(payload, author.signingKey) };
      };
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
      (parent as { state: string }).state = 'closed';
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
      (racer as { state: string }).state = 'closed';
      router.linkDown(racer);
      await waitFor(() => delivered.length === 2, 'the second message delivered');
      expect(sent.get('parent')).not.toContainEqual({ kind: 'prune', origin: Buffer.from(author.id) });
      // The parent is still the parent: losing it now is repaired.
      (parent as { state: string }).state = 'closed';
      router.linkDown(parent);
      expect(repairs('other')).toEqual([{ kind: 'graft', ids: [], origins }]);
      router.stop();
    });
  });
});
