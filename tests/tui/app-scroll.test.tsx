import { afterEach, describe, expect, test } from 'vitest';
import { defaultApi, KEYS, renderTui, type RenderedTui } from './harness.js';

let tui: RenderedTui | undefined;
afterEach(() => tui?.unmount());

/** The first history row (under the title bar). */
const topRow = (frame: string) => frame.split('\n')[1] ?? '';

/** Presses a key and waits until the frame differs from before. */
async function pressAndWaitForChange(t: RenderedTui, key: string): Promise<string> {
  const before = t.frame();
  t.press(key);
  return t.waitFor((frame) => frame !== before, { description: 'the frame to change after the key' });
}

describe('scrollback', () => {
  test('PgUp pages back, fetches older messages at the top, and they appear', async () => {
    const api = defaultApi();
    const seeded = api.seedRoom('general', 1000);
    // 12 rows: a 9-row history pane, 8 rows per page; 50 messages per history page.
    const t = (tui = await renderTui({ api, rows: 12, columns: 60, historyPage: 50 }));
    await t.waitFor('message 999');
    expect(t.frame()).not.toContain('message 949');

    let frame = await pressAndWaitForChange(t, KEYS.pageUp);
    expect(topRow(frame)).toContain('message 983');
    expect(frame).toMatch(/-- more \(8\) --/);

    // Page back until the node is asked for the page before the oldest message held.
    for (
      let i = 0;
      i < 10 && !api.callsOf('history').some(([q]) => (q as { before?: unknown }).before);
      i++
    ) {
      frame = await pressAndWaitForChange(t, KEYS.pageUp);
    }
    const older = api.callsOf('history').find(([q]) => (q as { before?: unknown }).before);
    expect(older).toEqual([
      { room: 'general', limit: 50, before: { ts: seeded[950].ts, id: seeded[950].id } },
    ]);

    // Keep paging: the older lines scroll into view.
    for (let i = 0; i < 10 && !t.frame().includes('message 949'); i++)
      await pressAndWaitForChange(t, KEYS.pageUp);
    expect(t.frame()).toContain('message 949');
  });

  test('PgDn pages forward and follows the bottom again', async () => {
    const api = defaultApi();
    api.seedRoom('general', 100);
    const t = (tui = await renderTui({ api, rows: 12, columns: 60 }));
    await t.waitFor('message 99');
    await pressAndWaitForChange(t, KEYS.pageUp);
    await pressAndWaitForChange(t, KEYS.pageUp);
    await t.waitFor(/-- more \(16\) --/);
    await pressAndWaitForChange(t, KEYS.pageDown);
    await t.waitFor(/-- more \(8\) --/);
    const frame = await pressAndWaitForChange(t, KEYS.pageDown);
    expect(frame).not.toContain('-- more');
    expect(frame).toContain('message 99');
  });

  test('while scrolled back, new messages do not move the view but are counted', async () => {
    const api = defaultApi();
    api.seedRoom('general', 100);
    const t = (tui = await renderTui({ api, rows: 12, columns: 60 }));
    await t.waitFor('message 99');
    const scrolled = await pressAndWaitForChange(t, KEYS.pageUp);
    api.deliver({ text: 'brand new' });
    await t.waitFor(/-- more \(9\) --/);
    expect(topRow(t.frame())).toBe(topRow(scrolled));
    expect(t.frame()).not.toContain('brand new');
    // Sending jumps back to the bottom.
    t.submit('my reply');
    const frame = await t.waitFor('<me> my reply');
    expect(frame).toContain('brand new');
    expect(frame).not.toContain('-- more');
  });
});
