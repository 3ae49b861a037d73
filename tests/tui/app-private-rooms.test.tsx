/**
 * Private rooms in the TUI (PROTOCOL.md §19): `/join #ops --key` asks for the passphrase and never
 * draws it (nor keeps it in the input history), a wrong one says "wrong passphrase for #ops", Escape
 * cancels, `/rekey` asks for the new one, and `/rooms` counts the private rooms not joined.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { waitUntil } from '../helpers/tui-wait.js';
import { KEYS, renderTui, type RenderedTui } from './harness.js';
import { parseInput } from '../../src/tui/commands.js';

let tui: RenderedTui | undefined;
afterEach(() => tui?.unmount());

describe('/join ROOM --key', () => {
  test('parses, with and without --key', () => {
    expect(parseInput('/join #Ops --key')).toEqual({
      kind: 'command',
      command: { name: 'join', room: 'ops', key: true },
    });
    expect(parseInput('/join ops')).toEqual({ kind: 'command', command: { name: 'join', room: 'ops' } });
    expect(parseInput('/join ops --kee').kind).toBe('error');
    expect(parseInput('/rekey')).toEqual({ kind: 'command', command: { name: 'rekey', room: null } });
    expect(parseInput('/rekey #ops x').kind).toBe('error');
  });

  test('asks for the passphrase without drawing it, joins, and forgets it', async () => {
    const t = (tui = await renderTui({ columns: 100, rows: 20 }));
    t.submit('/join #ops --key');
    await t.waitFor('passphrase for #ops (not shown, Esc cancels):');
    t.press('hunter2-s3cret');
    await waitUntil(() => !t.frame().includes('hunter2'), { description: 'a frame after typing' });
    expect(t.frame()).not.toContain('hunter2');
    expect(t.frame()).not.toContain('*******');
    t.press(KEYS.enter);
    await t.waitFor('joined private room #ops');
    expect(t.api.callsOf('joinPrivateRoom')).toEqual([['ops', 'hunter2-s3cret']]);
    expect(t.frame()).not.toContain('hunter2');
    // Up recalls the command, never the passphrase.
    t.press(KEYS.up);
    await t.waitFor('/join #ops --key');
    t.press(KEYS.up);
    await t.waitFor('/join #ops --key');
    expect(t.frame()).not.toContain('hunter2');
  });

  test('a wrong passphrase says so, and Escape cancels', async () => {
    const t = (tui = await renderTui({ columns: 100, rows: 20 }));
    t.submit('/join ops --key');
    await t.waitFor('passphrase for #ops');
    t.press('wrong', KEYS.enter);
    await t.waitFor('wrong passphrase for #ops');
    expect(t.api.callsOf('joinPrivateRoom')).toEqual([['ops', 'wrong']]);
    t.submit('/join ops --key');
    await t.waitFor('passphrase for #ops (not shown');
    t.press('abc', KEYS.escape);
    await t.waitFor('not joined #ops');
    expect(t.api.callsOf('joinPrivateRoom')).toHaveLength(1);
  });

  test('/rekey asks for the new passphrase; /rooms counts the private rooms not joined', async () => {
    const t = (tui = await renderTui({ columns: 120, rows: 24 }));
    t.api.privateRoomMap.set('.1234abcd', {
      room: null,
      ids: ['.1234abcd00112233aabbccdd'],
      joined: false,
      undecryptable: 0,
    });
    t.submit('/join ops --key');
    await t.waitFor('passphrase for #ops');
    t.press('first', KEYS.enter);
    await t.waitFor('joined private room #ops');
    t.submit('/rekey');
    await t.waitFor('new passphrase for #ops');
    t.press('second', KEYS.enter);
    await t.waitFor('#ops moved to a new passphrase; older messages stay readable');
    expect(t.api.callsOf('rekeyRoom')).toEqual([['ops', 'second']]);
    t.submit('/rooms');
    await t.waitFor('1 private room you have not joined: .1234abcd00112233aabbccdd');
  });
});
