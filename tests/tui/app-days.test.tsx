import { afterEach, describe, expect, test } from 'vitest';
import { KEYS, renderTui, type RenderedTui } from './harness.js';

let tui: RenderedTui | undefined;
afterEach(() => tui?.unmount());

const WAIT = { timeoutMs: 30_000 };

describe('when lines were written', () => {
  test('a day separator above each day, and the date on lines of earlier days', async () => {
    const t = (tui = await renderTui({ columns: 100, rows: 20 }));
    // The fake node's clock is 6 January 2025, long before the real today.
    t.api.deliver({ text: 'an old line' });
    const frame = await t.waitFor('<alice> an old line', WAIT);
    expect(frame).toContain('── Monday 6 January 2025 ──');
    expect(frame).toMatch(/01-06 09:00 <alice> an old line/);
  });

  test('lines that came while another conversation was shown are below a "new since" line', async () => {
    const t = (tui = await renderTui({ columns: 100, rows: 20 }));
    t.api.deliver({ text: 'read before leaving' });
    await t.waitFor('read before leaving', WAIT);
    t.submit('/join dev');
    await t.waitFor('[2:#dev]', WAIT);
    t.api.deliver({ text: 'written while away' });
    await t.waitFor('1:#general(1)', WAIT);
    t.press(KEYS.alt('1'));
    const frame = await t.waitFor('[1:#general]', WAIT);
    const rows = frame.split('\n');
    const marker = rows.findIndex((row) => row.includes('── new since you last looked ──'));
    expect(marker).toBeGreaterThan(rows.findIndex((row) => row.includes('read before leaving')));
    expect(rows[marker + 1]).toContain('written while away');
  });

  test('lines that came while the terminal window was away are below a "new since" line', async () => {
    const t = (tui = await renderTui({ columns: 100, rows: 20 }));
    t.api.deliver({ text: 'read before' });
    await t.waitFor('read before', WAIT);
    t.press('\u001B[O'); // focus lost
    t.api.deliver({ text: 'came while away' });
    await t.waitFor('came while away', WAIT);
    t.press('\u001B[I'); // focus back
    const frame = await t.waitFor('── new since you last looked ──', WAIT);
    const rows = frame.split('\n');
    const marker = rows.findIndex((row) => row.includes('new since you last looked'));
    expect(rows[marker - 1]).toContain('read before');
    expect(rows[marker + 1]).toContain('came while away');
  });

  test('back with nothing new, no marker: not even above the next line one writes', async () => {
    const t = (tui = await renderTui({ columns: 100, rows: 20 }));
    t.api.deliver({ text: 'read before leaving' });
    await t.waitFor('read before leaving', WAIT);
    t.submit('/join dev');
    await t.waitFor('[2:#dev]', WAIT);
    t.press(KEYS.alt('1'));
    await t.waitFor('[1:#general]', WAIT);
    t.press('\u001B[O', '\u001B[I'); // away and back, nothing came
    t.submit('my own line');
    const frame = await t.waitFor('<me> my own line', WAIT);
    expect(frame).not.toContain('new since you last looked');
  });
});
