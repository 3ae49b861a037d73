/**
 * Background work waits for a quiet turn of the event loop (quiet-turn.ts): not while links receive
 * data, at once when none does, never past QUIET_WAIT_MAX_MS, and a quiet turn starts no more work
 * once QUIET_SLICE_MS is spent. Turns are counted with setImmediate, which runs in the same phase as
 * the scheduler's own check and after it.
 */
import { describe, expect, it } from 'vitest';
import { noteTraffic, QUIET_SLICE_MS, whenQuiet } from '../../src/daemon/quiet-turn.js';
import { waitFor } from '../helpers/wait.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Notes traffic in every turn until stopped, as links do while frames keep coming. */
function busyLinks(): () => void {
  let on = true;
  const tick = () => {
    if (!on) return;
    noteTraffic();
    setImmediate(tick);
  };
  tick();
  return () => (on = false);
}

describe('whenQuiet', () => {
  it('runs the work in the next turn when no link receives anything', async () => {
    let ran = false;
    whenQuiet(() => (ran = true));
    expect(ran).toBe(false); // never inside the call
    await nextTurn();
    expect(ran).toBe(true);
  });

  it('waits while data arrives in every turn, and runs in the first turn without', async () => {
    const stop = busyLinks();
    let ran = false;
    whenQuiet(() => (ran = true));
    for (let turn = 0; turn < 5; turn++) {
      await nextTurn();
      expect(ran, `ran in busy turn ${turn}`).toBe(false);
    }
    stop();
    await nextTurn(); // the turn in which the last traffic was noted
    await nextTurn();
    expect(ran).toBe(true);
  });

  it('runs work that has waited its limit even though no turn is quiet', async () => {
    const stop = busyLinks();
    try {
      let ran = false;
      whenQuiet(() => (ran = true));
      await waitFor(() => ran, 'the overdue work to run while every turn has traffic', {
        timeoutMs: 2000,
        intervalMs: 5,
      });
    } finally {
      stop();
    }
  });

  it('starts no more work in a quiet turn once the slice is spent, and keeps the order', async () => {
    const order: string[] = [];
    whenQuiet(() => {
      order.push('long');
      const until = performance.now() + QUIET_SLICE_MS + 1;
      while (performance.now() < until); // a commit longer than the slice
    });
    whenQuiet(() => order.push('second'));
    whenQuiet(() => order.push('third'));
    await nextTurn();
    expect(order).toEqual(['long']);
    await nextTurn();
    expect(order).toEqual(['long', 'second', 'third']);
  });

  it('takes work queued by work in the same pass', async () => {
    const order: string[] = [];
    whenQuiet(() => {
      order.push('outer');
      whenQuiet(() => order.push('inner'));
    });
    await waitFor(() => order.length === 2, 'both pieces of work', { timeoutMs: 2000, intervalMs: 5 });
    expect(order).toEqual(['outer', 'inner']);
  });
});
