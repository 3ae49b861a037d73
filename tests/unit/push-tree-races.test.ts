/**
 * The races that cut an origin's tree under load, with both ends of a link played by two push trees:
 * copies of one origin's messages take different paths in different orders, and a prune crosses the
 * message that made its link a node's parent. Left so, the node is off its origin's tree, and each
 * origin's next message reaches it only by announcement and graft (up to 2.2 s on a lagging loop),
 * however idle the mesh is by then. After each race, the node's parent must push to it eagerly.
 */
import { describe, expect, it } from 'vitest';
import type { Link } from '../../src/daemon/links/link.js';
import { type OriginKey, PushTree } from '../../src/daemon/flood/push-tree.js';
import type { LinkMessage } from '../../src/wire/index.js';
import { ManualClock } from '../helpers/manual-clock.js';

const ORIGIN = Buffer.alloc(32, 0xaa).toString('latin1');
const keyOf = (b: Uint8Array) => Buffer.from(b).toString('latin1');

/** One end of a link: what it sends waits in `outbox` until the test delivers it to the far end. */
function end(name: string): { link: Link; outbox: LinkMessage[] } {
  const outbox: LinkMessage[] = [];
  const link = {
    label: name,
    state: 'up',
    lazyPush: true,
    send(message: LinkMessage) {
      outbox.push(message);
      return true;
    },
  };
  return { link: link as unknown as Link, outbox };
}

function tree(): PushTree {
  return new PushTree({ clock: new ManualClock(), has: () => false, resend: () => [] });
}

/** Hands the control frames sent on `from` to the tree at the far end, on `to`, in order. */
function deliver(from: { outbox: LinkMessage[] }, tree: PushTree, to: Link): void {
  for (const m of from.outbox.splice(0)) {
    if (m.kind === 'prune') tree.onPrune(to, keyOf(m.origin));
    else if (m.kind === 'graft') {
      tree.onGraft(
        to,
        m.ids,
        m.origins?.map((o): OriginKey => keyOf(o)),
      );
    }
  }
}

/**
 * Node z with two links for the origin's messages: to k (its first parent) and to p; node p holds
 * the other end of z—p. Only z and p are played out: k stays eager towards z throughout.
 */
function pair() {
  const z = tree();
  const p = tree();
  const zp = end('z→p');
  const pz = end('p→z');
  const zk = end('z→k');
  return { z, p, zp, pz, zk };
}

describe('push tree under load: the races that cut a tree', () => {
  it('a first copy on a link we had pruned: its far end takes our prune, then is asked to keep pushing', () => {
    const { z, p, zp, pz, zk } = pair();
    // m1 comes on k first, then on p: z prunes z—p. Meanwhile p pushes m2, before the prune reaches it.
    z.firstFrom(zk.link, ORIGIN);
    z.duplicateFrom(zp.link, ORIGIN, false);
    // m2 comes on p first: p is z's parent now (and k, left eager, is pruned by m2's copy later).
    expect(z.firstFrom(zp.link, ORIGIN)).toBe(true);
    deliver(zp, p, pz.link);
    expect(p.isEager(pz.link, ORIGIN)).toBe(true);
    expect(z.isEager(zp.link, ORIGIN)).toBe(true);
  });

  it('a prune from our parent is stale: the parent goes on pushing to us', () => {
    const { z, p, zp, pz, zk } = pair();
    // z had m1 on k first and pushed it to p, which had it: p prunes p—z (both ends)...
    z.firstFrom(zk.link, ORIGIN);
    p.duplicateFrom(pz.link, ORIGIN, false);
    expect(p.isEager(pz.link, ORIGIN)).toBe(false);
    // ... while m2, which p pushed before, came to z first: p is z's parent when the prune comes.
    expect(z.firstFrom(zp.link, ORIGIN)).toBe(false);
    deliver(pz, z, zp.link);
    deliver(zp, p, pz.link);
    expect(p.isEager(pz.link, ORIGIN)).toBe(true);
    expect(z.isEager(zp.link, ORIGIN)).toBe(true);
  });

  it('a late copy of an older message on our parent prunes nothing', () => {
    const { z, p, zp, pz, zk } = pair();
    // m1 on k first, m2 on p first (p is the parent), then m1's copy on p, late.
    z.firstFrom(zk.link, ORIGIN);
    z.firstFrom(zp.link, ORIGIN);
    z.duplicateFrom(zp.link, ORIGIN, false);
    deliver(zp, p, pz.link);
    expect(p.isEager(pz.link, ORIGIN)).toBe(true);
    expect(z.isEager(zp.link, ORIGIN)).toBe(true);
    expect(z.stats.prunes).toBe(0);
  });

  it('after the parent link went down, prunes answering a copy we passed on do not undo the repair', () => {
    const { z, p, zp, pz, zk } = pair();
    // k is z's parent; it goes down, and z asks p (and its other links) to push the origin (repair).
    z.firstFrom(zk.link, ORIGIN);
    z.duplicateFrom(zp.link, ORIGIN, false);
    deliver(zp, p, pz.link);
    expect(z.linkDown(zk.link)).toEqual([ORIGIN]);
    p.onGraft(pz.link, [], [ORIGIN]);
    // Meanwhile z passes on a copy p has (verified as k went, or by history sync): p prunes again.
    p.duplicateFrom(pz.link, ORIGIN, false);
    deliver(pz, z, zp.link);
    deliver(zp, p, pz.link);
    expect(p.isEager(pz.link, ORIGIN)).toBe(true);
  });

  it('an older message come late names no parent: two nodes cannot take each other as parent', () => {
    const { z, zp, zk } = pair();
    // m2 (ts 2) comes on k first; then m1 (ts 1), sent before it, comes late on p, then on k.
    expect(z.firstFrom(zk.link, ORIGIN, 2)).toBe(false);
    z.firstFrom(zp.link, ORIGIN, 1);
    z.duplicateFrom(zk.link, ORIGIN, false);
    // k stays z's parent: its late copy of m1 prunes nothing, and its prune would be answered.
    expect(z.isEager(zk.link, ORIGIN)).toBe(true);
    expect(zk.outbox).toEqual([]);
    // A newer message first on p makes p the parent; then k's copy prunes k.
    z.firstFrom(zp.link, ORIGIN, 3);
    z.duplicateFrom(zk.link, ORIGIN, false);
    expect(z.isEager(zk.link, ORIGIN)).toBe(false);
  });

  it('still prunes and honours prunes off the parent link, as before', () => {
    const { z, p, zp, pz, zk } = pair();
    z.firstFrom(zk.link, ORIGIN);
    z.duplicateFrom(zp.link, ORIGIN, false);
    deliver(zp, p, pz.link);
    expect(z.isEager(zp.link, ORIGIN)).toBe(false);
    expect(p.isEager(pz.link, ORIGIN)).toBe(false);
    expect(pz.outbox).toEqual([]);
    // A prune from a link that is not our parent is taken, and answered with nothing.
    z.onPrune(zk.link, Buffer.alloc(32, 0xbb).toString('latin1'));
    expect(z.isEager(zk.link, Buffer.alloc(32, 0xbb).toString('latin1'))).toBe(false);
    expect(zk.outbox).toEqual([]);
  });
});
