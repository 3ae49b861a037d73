/**
 * The lazy-push state machine on its own, with a hand-driven clock and links that record what they
 * were sent: prune on a redundant copy (per origin), batched announcements, grafts after the timeout
 * and from the next announcer, and the links a graft makes eager again.
 */
import { describe, expect, it } from 'vitest';
import type { Link } from '../../src/daemon/links/link.js';
import {
  MAX_ANNOUNCED_PER_LINK,
  MAX_LAZY_ORIGINS,
  MAX_MISSING,
  MAX_MISSING_PER_LINK,
  PushTree,
  type PushTreeOptions,
} from '../../src/daemon/flood/push-tree.js';
import { type LinkMessage, MAX_IHAVE_IDS } from '../../src/wire/index.js';
import { ManualClock } from '../helpers/manual-clock.js';

interface FakeLink {
  link: Link;
  sent: LinkMessage[];
  close(): void;
}

function fakeLink(name: string): FakeLink {
  const sent: LinkMessage[] = [];
  const fake = {
    label: name,
    state: 'up' as 'up' | 'closed',
    send(message: LinkMessage) {
      if (fake.state !== 'up') return false;
      sent.push(message);
      return true;
    },
  };
  return { link: fake as unknown as Link, sent, close: () => (fake.state = 'closed') };
}

const id = (n: number) => Uint8Array.from({ length: 16 }, (_, i) => (i === 15 ? n : i === 14 ? n >> 8 : 0));
const keyOf = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const ORIGIN_A = Buffer.alloc(32, 0xaa).toString('latin1');
const ORIGIN_B = Buffer.alloc(32, 0xbb).toString('latin1');

function setup(overrides: Partial<PushTreeOptions> = {}) {
  const clock = new ManualClock();
  const held = new Set<string>();
  const resent: { link: Link; ids: Uint8Array[] }[] = [];
  const tree = new PushTree({
    clock,
    has: (i) => held.has(keyOf(i)),
    resend: (link, ids) => {
      resent.push({ link, ids });
      return ids.filter((i) => held.has(keyOf(i))).map(() => ORIGIN_A);
    },
    ...overrides,
  });
  return { clock, held, resent, tree };
}

describe('push tree', () => {
  it('starts every link eager and prunes a link that brings a duplicate, for that origin only', () => {
    const { tree } = setup();
    const a = fakeLink('a');
    expect(tree.isEager(a.link, ORIGIN_A)).toBe(true);
    tree.duplicateFrom(a.link, ORIGIN_A, false);
    expect(tree.isEager(a.link, ORIGIN_A)).toBe(false);
    expect(tree.isEager(a.link, ORIGIN_B)).toBe(true);
    expect(a.sent).toEqual([{ kind: 'prune', origin: Buffer.alloc(32, 0xaa) }]);
    // Another copy on the now lazy link: the other end did not take the prune (it undid it, having
    // taken a copy from us first), so it is told again.
    tree.duplicateFrom(a.link, ORIGIN_A, false);
    expect(a.sent).toHaveLength(2);
    expect(tree.isEager(a.link, ORIGIN_A)).toBe(false);
  });

  it('does not prune when the first copy came on a lazy link (a graft or a race): this one may be the path', () => {
    const { tree } = setup();
    const parent = fakeLink('parent');
    const grafted = fakeLink('grafted');
    tree.onPrune(grafted.link, ORIGIN_A);
    expect(tree.firstFrom(grafted.link, ORIGIN_A)).toBe(true);
    expect(tree.isEager(grafted.link, ORIGIN_A)).toBe(true);
    tree.duplicateFrom(parent.link, ORIGIN_A, true);
    expect(parent.sent).toEqual([]);
    expect(tree.isEager(parent.link, ORIGIN_A)).toBe(true);
    expect(tree.firstFrom(parent.link, ORIGIN_A)).toBe(false);
  });

  it('never prunes with lazy push off, but honours a neighbour’s prune', () => {
    const { tree } = setup({ lazyPush: false });
    const a = fakeLink('a');
    tree.duplicateFrom(a.link, ORIGIN_A, false);
    expect(a.sent).toEqual([]);
    expect(tree.isEager(a.link, ORIGIN_A)).toBe(true);
    tree.onPrune(a.link, ORIGIN_A);
    expect(tree.isEager(a.link, ORIGIN_A)).toBe(false);
  });

  it('batches announcements into one ihave per link after the delay (then at a quiet turn), and at once when a batch is full', async () => {
    const { tree, clock } = setup({ timings: { announceDelayMs: 50 } });
    const a = fakeLink('a');
    const b = fakeLink('b');
    tree.announce(a.link, id(1));
    tree.announce(a.link, id(2));
    tree.announce(b.link, id(3));
    clock.advance(49);
    expect(a.sent).toEqual([]);
    clock.advance(1);
    // Due, but not sent in the middle of this turn: at the first turn without link traffic.
    expect(a.sent).toEqual([]);
    tree.announce(a.link, id(4));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(a.sent).toEqual([{ kind: 'ihave', ids: [id(1), id(2), id(4)] }]);
    expect(b.sent).toEqual([{ kind: 'ihave', ids: [id(3)] }]);
    for (let i = 0; i < MAX_IHAVE_IDS; i++) tree.announce(a.link, id(i));
    expect(a.sent).toHaveLength(2);
    expect((a.sent[1] as { ids: unknown[] }).ids).toHaveLength(MAX_IHAVE_IDS);
    expect(tree.stats).toMatchObject({ announced: 4 + MAX_IHAVE_IDS, ihaveFrames: 3 });
  });

  it('grafts a missing message after the timeout, then from the next announcer still linked', () => {
    const { tree, clock } = setup({ timings: { graftTimeoutMs: 250 } });
    const a = fakeLink('a');
    const b = fakeLink('b');
    const c = fakeLink('c');
    tree.onIHave(a.link, [id(7)], keyOf);
    tree.onIHave(b.link, [id(7)], keyOf);
    tree.onIHave(c.link, [id(7)], keyOf);
    clock.advance(249);
    expect([...a.sent, ...b.sent, ...c.sent]).toEqual([]);
    clock.advance(1);
    expect(a.sent).toEqual([{ kind: 'graft', ids: [id(7)] }]);
    b.close();
    clock.advance(250);
    expect(b.sent).toEqual([]);
    expect(c.sent).toEqual([{ kind: 'graft', ids: [id(7)] }]);
    clock.advance(1000);
    expect(tree.stats.grafts).toBe(2);
  });

  it('grafts nothing for a message that arrives, or was held, before the timeout', () => {
    const { tree, clock, held } = setup();
    const a = fakeLink('a');
    held.add(keyOf(id(1)));
    tree.onIHave(a.link, [id(1), id(2)], keyOf);
    tree.received(keyOf(id(2)));
    clock.advance(10_000);
    expect(a.sent).toEqual([]);
  });

  it('tracks at most MAX_MISSING_PER_LINK missing messages first announced by one link; others still count', () => {
    const { tree, clock } = setup();
    const junk = fakeLink('junk');
    const honest = fakeLink('honest');
    const ids = Array.from({ length: MAX_MISSING_PER_LINK + 10 }, (_, i) => id(i));
    tree.onIHave(junk.link, ids.slice(0, MAX_IHAVE_IDS), keyOf);
    tree.onIHave(junk.link, ids.slice(MAX_IHAVE_IDS), keyOf);
    tree.onIHave(honest.link, [id(60_000)], keyOf);
    clock.advance(300);
    expect(junk.sent.filter((m) => m.kind === 'graft')).toHaveLength(MAX_MISSING_PER_LINK);
    expect(honest.sent).toEqual([{ kind: 'graft', ids: [id(60_000)] }]);
    expect(MAX_MISSING).toBeGreaterThan(MAX_MISSING_PER_LINK);
  });

  it('answers a graft and pushes the grafted messages’ origins to that link eagerly again', () => {
    const { tree, held, resent } = setup();
    const a = fakeLink('a');
    tree.onPrune(a.link, ORIGIN_A);
    tree.onPrune(a.link, ORIGIN_B);
    held.add(keyOf(id(5)));
    tree.announce(a.link, id(5));
    tree.announce(a.link, id(6));
    tree.onGraft(a.link, [id(5), id(6)]);
    expect(resent).toEqual([{ link: a.link, ids: [id(5), id(6)] }]);
    expect(tree.isEager(a.link, ORIGIN_A)).toBe(true);
    expect(tree.isEager(a.link, ORIGIN_B)).toBe(false);
    expect(tree.stats.regrafted).toBe(1);
  });

  it('answers only ids announced to that link, each once: grafts cannot pull history or repeat', () => {
    const { tree, held, resent } = setup();
    const [a, b] = [fakeLink('a'), fakeLink('b')];
    for (const n of [1, 2, 3]) held.add(keyOf(id(n)));
    tree.announce(a.link, id(1));
    tree.onGraft(b.link, [id(1)]); // announced to a, not to b
    tree.onGraft(a.link, [id(2), id(3)]); // held, but never announced to anyone
    expect(resent).toEqual([]);
    tree.onGraft(a.link, [id(1), id(1)]);
    tree.onGraft(a.link, [id(1)]);
    expect(resent).toEqual([{ link: a.link, ids: [id(1)] }]);
    // Only the latest MAX_ANNOUNCED_PER_LINK are remembered.
    for (let n = 0; n <= MAX_ANNOUNCED_PER_LINK; n++) tree.announce(b.link, id(1000 + n));
    resent.length = 0;
    tree.onGraft(b.link, [id(1000), id(1001), id(1000 + MAX_ANNOUNCED_PER_LINK)]);
    expect(resent).toEqual([{ link: b.link, ids: [id(1001), id(1000 + MAX_ANNOUNCED_PER_LINK)] }]);
  });

  it('a graft for an id no longer remembered is not answered, but makes the link eager for its origin', () => {
    const { tree, resent } = setup({ originOf: (i) => (keyOf(i) === keyOf(id(9)) ? ORIGIN_B : undefined) });
    const a = fakeLink('a');
    tree.onPrune(a.link, ORIGIN_B);
    tree.onGraft(a.link, [id(9)]);
    expect(resent).toEqual([]);
    expect(tree.isEager(a.link, ORIGIN_B)).toBe(true);
  });

  it('a lost link hands back the origins it was our parent for; a graft with origins makes them eager', () => {
    const { tree } = setup();
    const [a, b] = [fakeLink('a'), fakeLink('b')];
    tree.firstFrom(a.link, ORIGIN_A);
    tree.firstFrom(b.link, ORIGIN_B);
    tree.firstFrom(a.link, ORIGIN_B); // B's latest came on a: a is its parent now
    expect(tree.linkDown(b.link)).toEqual([]);
    expect(tree.linkDown(a.link).sort()).toEqual([ORIGIN_A, ORIGIN_B].sort());
    expect(tree.stats.repairs).toBe(1);
    expect(tree.linkDown(a.link)).toEqual([]); // forgotten once handed back

    // (A prune from b now would be answered, not taken: these origins have no parent since a went.)
    tree.duplicateFrom(b.link, ORIGIN_A, false);
    tree.duplicateFrom(b.link, ORIGIN_B, false);
    tree.onGraft(b.link, [], [ORIGIN_A]);
    expect(tree.isEager(b.link, ORIGIN_A)).toBe(true);
    expect(tree.isEager(b.link, ORIGIN_B)).toBe(false);
  });

  it('remembers parents for at most MAX_LAZY_ORIGINS origins, forgetting the one heard from longest ago', () => {
    const { tree } = setup();
    const a = fakeLink('a');
    const origin = (n: number) => `origin-${n}`;
    for (let n = 0; n <= MAX_LAZY_ORIGINS; n++) tree.firstFrom(a.link, origin(n));
    tree.firstFrom(a.link, origin(1)); // heard again: no longer the oldest
    tree.firstFrom(a.link, origin(MAX_LAZY_ORIGINS + 1));
    const kept = new Set(tree.linkDown(a.link));
    expect(kept.size).toBe(MAX_LAZY_ORIGINS);
    expect(kept.has(origin(0))).toBe(false);
    expect(kept.has(origin(2))).toBe(false);
    expect(kept.has(origin(1))).toBe(true);
    expect(kept.has(origin(MAX_LAZY_ORIGINS + 1))).toBe(true);
  });

  it('a node that floods has nothing to repair: nobody was asked to prune towards it', () => {
    const tree = new PushTree({
      clock: new ManualClock(),
      lazyPush: false,
      has: () => false,
      resend: () => [],
    });
    const a = fakeLink('a');
    tree.firstFrom(a.link, ORIGIN_A);
    expect(tree.linkDown(a.link)).toEqual([]);
  });

  it('stop() cancels pending announcements and grafts', () => {
    const { tree, clock } = setup();
    const a = fakeLink('a');
    tree.announce(a.link, id(1));
    tree.onIHave(a.link, [id(2)], keyOf);
    tree.stop();
    clock.advance(10_000);
    expect(a.sent).toEqual([]);
  });
});
