/**
 * The graft timeout follows the event loop's lag (issue 20): a loop that lags is slow to bring the
 * eager copy too, and grafting then only adds copies and work. Driven by a hand-moved clock and a
 * lag source the test sets; the old code (a fixed timeout) grafts at 250 ms whatever the lag.
 */
import { describe, expect, it } from 'vitest';
import type { Link } from '../../src/daemon/links/link.js';
import { DEFAULT_PUSH_TREE_TIMINGS, graftWaitMs, PushTree } from '../../src/daemon/flood/push-tree.js';
import { LoopLag } from '../../src/daemon/flood/loop-lag.js';
import type { LinkMessage } from '../../src/wire/index.js';
import { ManualClock } from '../helpers/manual-clock.js';

function fakeLink(name: string): { link: Link; sent: LinkMessage[] } {
  const sent: LinkMessage[] = [];
  const link = {
    label: name,
    state: 'up',
    send(message: LinkMessage) {
      sent.push(message);
      return true;
    },
  };
  return { link: link as unknown as Link, sent };
}

const id = (n: number) => Uint8Array.from({ length: 16 }, (_, i) => (i === 15 ? n : 0));
const keyOf = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const timings = { graftTimeoutMs: 250, graftLagFactor: 10, graftTimeoutMaxMs: 1000 };

function setup() {
  const clock = new ManualClock();
  let lag = 0;
  const tree = new PushTree({
    clock,
    has: () => false,
    resend: () => [],
    timings,
    loopLag: () => lag,
  });
  return { clock, tree, setLag: (ms: number) => (lag = ms) };
}

const grafted = (sent: LinkMessage[]) => sent.filter((m) => m.kind === 'graft');

describe('push tree: graft timeout and the loop’s lag', () => {
  it('grafts after the base timeout on a loop without lag', () => {
    const { clock, tree } = setup();
    const a = fakeLink('a');
    tree.onIHave(a.link, [id(1)], keyOf);
    clock.advance(249);
    expect(grafted(a.sent)).toEqual([]);
    clock.advance(1);
    expect(grafted(a.sent)).toEqual([{ kind: 'graft', ids: [id(1)] }]);
  });

  it('waits longer in proportion to the lag, and a message that comes meanwhile is not grafted', () => {
    const { clock, tree, setLag } = setup();
    const a = fakeLink('a');
    setLag(20); // 250 + 10 × 20 = 450 ms
    tree.onIHave(a.link, [id(1), id(2)], keyOf);
    clock.advance(300);
    expect(grafted(a.sent), 'grafted at the fixed timeout although the loop lags').toEqual([]);
    tree.received(keyOf(id(1))); // the eager copy, late like everything on this loop
    clock.advance(149);
    expect(grafted(a.sent)).toEqual([]);
    clock.advance(1);
    expect(grafted(a.sent)).toEqual([{ kind: 'graft', ids: [id(2)] }]);
    expect(tree.stats.grafts).toBe(1);
  });

  it('reads the lag again for the next announcer, and never waits past the bound', () => {
    const { clock, tree, setLag } = setup();
    const a = fakeLink('a');
    const b = fakeLink('b');
    setLag(5_000); // far past the bound: 1000 ms
    tree.onIHave(a.link, [id(3)], keyOf);
    tree.onIHave(b.link, [id(3)], keyOf);
    clock.advance(999);
    expect(grafted(a.sent)).toEqual([]);
    setLag(0); // the loop caught up: the next announcer is asked after the base timeout
    clock.advance(1);
    expect(grafted(a.sent)).toHaveLength(1);
    clock.advance(249);
    expect(grafted(b.sent)).toEqual([]);
    clock.advance(1);
    expect(grafted(b.sent)).toEqual([{ kind: 'graft', ids: [id(3)] }]);
  });

  it('graftWaitMs: the base without lag, bounded, and sane on a bad reading', () => {
    const t = DEFAULT_PUSH_TREE_TIMINGS;
    expect(graftWaitMs(t, 0)).toBe(t.graftTimeoutMs);
    expect(graftWaitMs(t, 1)).toBe(t.graftTimeoutMs + t.graftLagFactor);
    expect(graftWaitMs(t, 1e9)).toBe(t.graftTimeoutMaxMs);
    expect(graftWaitMs(t, NaN)).toBe(t.graftTimeoutMs);
    expect(graftWaitMs(t, -5)).toBe(t.graftTimeoutMs);
    expect(graftWaitMs({ ...t, graftTimeoutMaxMs: 100 }, 10)).toBe(t.graftTimeoutMs);
  });

  it('LoopLag reads 0 on an idle loop and the stall of a busy one', async () => {
    const lag = new LoopLag();
    try {
      expect(lag.lagMs()).toBe(0);
      // Hold the loop for longer than a window: the next reading is that stall, whatever the
      // machine's speed (a timer cannot fire while the loop is held).
      const until = performance.now() + 600;
      while (performance.now() < until);
      expect(lag.lagMs()).toBeGreaterThanOrEqual(100);
    } finally {
      lag.stop();
    }
  });
});
