/**
 * Background work waits for a quiet turn of the event loop (quiet-turn.ts): not while links receive
 * data, at once when none does, never past QUIET_WAIT_MAX_MS, and a quiet turn starts no more work
 * once QUIET_SLICE_MS is spent. Turns are counted with setImmediate, which runs in the same phase as
 * the scheduler's own check and after it; time is a fake `performance.now()` moved by the tests, so a
 * slow machine cannot make work overdue behind their backs.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QuietTurns, QUIET_SLICE_MS, QUIET_WAIT_MAX_MS } from '../../src/daemon/flood/quiet-turn.js';

const turns = new QuietTurns();
const noteTraffic = () => turns.noteTraffic();
const whenQuiet = (work: () => void) => turns.whenQuiet(work);

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

let now = 0;
beforeEach(() => {
  now = 1_000;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
});
afterEach(() => vi.restoreAllMocks());

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
      await nextTurn();
      now += QUIET_WAIT_MAX_MS - 1;
      await nextTurn();
      expect(ran, 'ran before its limit').toBe(false);
      now += 1;
      await nextTurn();
      expect(ran).toBe(true);
    } finally {
      stop();
    }
  });

  it('starts no more work in a quiet turn once the slice is spent, and keeps the order', async () => {
    const order: string[] = [];
    whenQuiet(() => {
      order.push('long');
      now += QUIET_SLICE_MS; // a commit as long as the slice
    });
    whenQuiet(() => order.push('second'));
    whenQuiet(() => order.push('third'));
    await nextTurn();
    expect(order).toEqual(['long']);
    await nextTurn();
    expect(order).toEqual(['long', 'second', 'third']);
  });

  it('runs work queued by work in the same pass, after it', async () => {
    const order: string[] = [];
    whenQuiet(() => {
      order.push('outer');
      whenQuiet(() => order.push('inner'));
    });
    await nextTurn();
    expect(order).toEqual(['outer', 'inner']);
  });

  it('is an object: traffic noted on one scheduler does not hold the work of another', async () => {
    const other = new QuietTurns();
    const stop = busyLinks(); // traffic on `turns` in every turn
    try {
      let ran = false;
      let held = false;
      other.whenQuiet(() => (ran = true));
      turns.whenQuiet(() => (held = true));
      await nextTurn();
      await nextTurn();
      expect(ran, 'work on a scheduler without traffic').toBe(true);
      expect(held, 'work on the busy scheduler').toBe(false);
    } finally {
      stop();
    }
  });
});
