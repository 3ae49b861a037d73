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
});
