/**
 * The per-link and per-origin flood limits on a manual clock: at the limit work runs at once, just past
 * it it is deferred (the link not read meanwhile) and runs in order when tokens come; past the queue
 * bound it is dropped and counted; a link kept over its limit for persistMs is closed.
 */
import { describe, expect, it } from 'vitest';
import type { Link } from '../../src/daemon/index.js';
import {
  DEFAULT_FLOOD_LIMITS,
  FloodLimiter,
  LINK_QUEUE_MAX,
  ORIGIN_QUEUE_MAX,
} from '../../src/daemon/flood/flood-limits.js';
import { ManualClock } from '../helpers/manual-clock.js';

function fakeLink(): { link: Link; calls: string[]; failed: string[] } {
  const calls: string[] = [];
  const failed: string[] = [];
  const link = {
    label: 'peer',
    state: 'up',
    pauseReading: () => calls.push('pause'),
    resumeReading: () => calls.push('resume'),
    fail: (code: string) => failed.push(code),
  } as unknown as Link;
  return { link, calls, failed };
}

const IN_FLIGHT = 8;
const limits = (persistMs = 60_000) => ({
  perLink: { ratePerSec: 10, burst: 3 },
  perLinkInFlight: IN_FLIGHT,
  perOrigin: { ratePerSec: 10, burst: 2 },
  persistMs,
});

describe('FloodLimiter', () => {
  it('runs a link burst at once, defers just past it in order, and resumes reading when caught up', () => {
    const clock = new ManualClock();
    const limiter = new FloodLimiter(limits(), clock);
    const { link, calls } = fakeLink();
    const ran: number[] = [];
    for (let i = 0; i < 5; i++)
      expect(limiter.admitFromLink(link, (done) => (ran.push(i), done()))).toBe(true);
    expect(ran).toEqual([0, 1, 2]);
    expect(calls).toEqual(['pause', 'pause']);
    expect(limiter.stats.limitedByLink).toBe(2);
    clock.advance(100);
    expect(ran).toEqual([0, 1, 2, 3]);
    clock.advance(100);
    expect(ran).toEqual([0, 1, 2, 3, 4]);
    expect(calls.at(-1)).toBe('resume');
    expect(limiter.stats.droppedByLink).toBe(0);
  });

  it('defers a message past IN_FLIGHT verifications under way until one of them ends', async () => {
    const clock = new ManualClock();
    const limiter = new FloodLimiter({ ...limits(), perLink: { ratePerSec: 1e6, burst: 1e6 } }, clock);
    const { link, calls } = fakeLink();
    const pending: (() => void)[] = [];
    for (let i = 0; i <= IN_FLIGHT; i++) limiter.admitFromLink(link, (done) => pending.push(done));
    expect(pending).toHaveLength(IN_FLIGHT);
    expect(calls).toEqual(['pause']);
    pending[0]();
    pending[0](); // a second call of the same callback counts once
    expect(pending).toHaveLength(IN_FLIGHT); // never from inside the callback
    await new Promise((r) => setImmediate(r));
    expect(pending).toHaveLength(IN_FLIGHT + 1);
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('drops (and counts) what a limited link brings past its queue bound', () => {
    const clock = new ManualClock();
    const limiter = new FloodLimiter(limits(), clock);
    const { link } = fakeLink();
    let ran = 0;
    for (let i = 0; i < 3 + LINK_QUEUE_MAX; i++) limiter.admitFromLink(link, () => ran++);
    expect(limiter.admitFromLink(link, () => ran++)).toBe(false);
    expect(limiter.stats.droppedByLink).toBe(1);
    expect(limiter.stats.limitedByLink).toBe(LINK_QUEUE_MAX);
    expect(ran).toBe(3);
  });

  it('closes a link that stays over its limit for persistMs, not before', () => {
    const clock = new ManualClock();
    const limiter = new FloodLimiter(limits(1000), clock);
    const { link, failed } = fakeLink();
    for (let t = 0; t <= 1000; t += 50) {
      for (let i = 0; i < 5; i++) limiter.admitFromLink(link, () => undefined);
      clock.advance(50);
    }
    expect(failed).toEqual([]);
    for (let i = 0; i < 5; i++) limiter.admitFromLink(link, () => undefined);
    expect(failed).toEqual(['RATE_LIMITED']);
    expect(limiter.stats.linksClosed).toBe(1);
  });

  it('starts the persistMs count afresh once a link has been back within its limit (a full bucket)', () => {
    const clock = new ManualClock();
    const limiter = new FloodLimiter(limits(1000), clock);
    const { link, failed } = fakeLink();
    const verified = (done: () => void) => done();
    // Over its limit once (a paste past the burst): 2 of 5 deferred, run within 200 ms.
    for (let i = 0; i < 5; i++) limiter.admitFromLink(link, verified);
    clock.advance(200);
    // Then within it for longer than persistMs: one message every 400 ms (the first still waits for a
    // token), and the bucket is full again at each.
    for (let t = 0; t < 3000; t += 400) {
      limiter.admitFromLink(link, verified);
      clock.advance(400);
    }
    expect(limiter.stats.limitedByLink).toBe(3);
    // Over it again, briefly: deferred, not closed (its last spell over the limit ended ~3 s ago).
    const admitted = Array.from({ length: 5 }, () => limiter.admitFromLink(link, verified));
    expect(failed).toEqual([]);
    expect(admitted).toEqual([true, true, true, true, true]);
    expect(limiter.stats.linksClosed).toBe(0);
    expect(limiter.stats.limitedByLink).toBe(5);
  });

  it('holds an origin over its limit back, in order, and drops unseen past the bound', () => {
    const clock = new ManualClock();
    const limiter = new FloodLimiter(limits(), clock);
    const ran: number[] = [];
    const verdicts = [0, 1, 2].map((i) => limiter.admitFromOrigin('o', 'o', () => ran.push(i)));
    expect(verdicts).toEqual(['now', 'now', 'later']);
    clock.advance(100);
    expect(ran).toEqual([0, 1, 2]);
    for (let i = 0; i < ORIGIN_QUEUE_MAX; i++) limiter.admitFromOrigin('o', 'o', () => undefined);
    expect(limiter.admitFromOrigin('o', 'o', () => undefined)).toBe('dropped');
    expect(limiter.stats.droppedByOrigin).toBe(1);
    // Another author is not held back by the first one's flood.
    expect(limiter.admitFromOrigin('other', 'other', () => undefined)).toBe('now');
  });

  it('with the defaults, lets an honest paste and mesh relay through at once but not a flood start of thousands', async () => {
    const clock = new ManualClock();
    const limiter = new FloodLimiter(DEFAULT_FLOOD_LIMITS, clock);
    const turns = async () => {
      for (let t = 0; t < 500; t++) await new Promise((r) => setImmediate(r));
    };
    // A paste of 200 lines arrives in one read: none of it waits.
    const paste = fakeLink();
    let pasted = 0;
    for (let i = 0; i < 200; i++) limiter.admitFromLink(paste.link, (done) => (pasted++, done()));
    await turns();
    expect(pasted).toBe(200);
    // A busy mesh relays ~230 msg/s over one link, for ten seconds: none of it waits either.
    const relay = fakeLink();
    let relayed = 0;
    for (let s = 0; s < 100; s++) {
      clock.advance(100);
      for (let i = 0; i < 23; i++) limiter.admitFromLink(relay.link, (done) => (relayed++, done()));
    }
    expect(relayed).toBe(2300);
    expect(limiter.stats.limitedByLink).toBe(0);
    // A flooder's first reads: what is verified before time moves is one burst (each verification
    // costs the loop ~35-60 µs; 2000 at once held all three bench nodes for ~0.5 s), the rest waits.
    const flood = fakeLink();
    let flooded = 0;
    for (let i = 0; i < 4000; i++) limiter.admitFromLink(flood.link, (done) => (flooded++, done()));
    await turns();
    expect(flooded).toBe(DEFAULT_FLOOD_LIMITS.perLink.burst);
    expect(flooded).toBeLessThanOrEqual(250);
    clock.advance(1000);
    await turns();
    expect(flooded).toBe(DEFAULT_FLOOD_LIMITS.perLink.burst + DEFAULT_FLOOD_LIMITS.perLink.ratePerSec);
    limiter.stop();
  });
});
