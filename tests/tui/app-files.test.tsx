/**
 * Files in the chat UI (PROTOCOL.md §21): /send with Tab completing the path, an offer shown with its
 * size and /get hint, /get and the transfer row (bar, rate, time left) while it fetches, the saved
 * path when done, an offer fetched without asking explained, failures in one readable line, /files.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { FileInfo } from '../../src/daemon/index.js';
import { UsageError } from '../../src/wire/index.js';
import { nodeIdFor } from '../helpers/fake-chat-api.js';
import { waitUntil } from '../helpers/tui-wait.js';
import { KEYS, renderTui, type RenderedTui } from './harness.js';

let tui: RenderedTui | undefined;
let dir: string | undefined;
afterEach(() => {
  tui?.unmount();
  if (dir) rmSync(dir, { recursive: true, force: true });
  tui = undefined;
  dir = undefined;
});

const MiB = 1024 * 1024;
const ID = 'ab12cd34ef56'.padEnd(64, '0');

function offer(fields: Partial<FileInfo> = {}): FileInfo {
  return {
    id: ID,
    name: 'holiday.mp4',
    size: 50 * MiB,
    type: 'video/mp4',
    from: nodeIdFor('alice'),
    nick: 'alice',
    room: 'general',
    peer: null,
    ts: 1_000,
    messageId: '01a20bbc-940f-7001-8e9c-3a4208d5da64',
    own: false,
    state: 'offered',
    chunks: 400,
    held: 0,
    fetched: 0,
    rate: 0,
    holders: 0,
    badChunks: 0,
    path: null,
    error: null,
    ...fields,
  };
}

describe('/send', () => {
  test('Tab completes the path; the file is offered to the shown conversation', async () => {
    dir = mkdtempSync(join(tmpdir(), 'konnect-tui-files-'));
    mkdirSync(join(dir, 'photos'));
    writeFileSync(join(dir, 'photos', 'cat picture.jpg'), 'meow');
    writeFileSync(join(dir, 'photos', '.hidden'), '');
    tui = await renderTui({ columns: 120, rows: 30 });
    const t = tui;
    t.press(`/send ${dir}/ph`, KEYS.tab);
    await t.waitFor(`/send ${dir}/photos/`);
    t.press('c', KEYS.tab);
    await t.waitFor(`/send ${dir}/photos/cat picture.jpg`);
    t.press(KEYS.enter);
    await t.waitFor('offered cat picture.jpg (0 B) to #general: id');
    expect(t.api.callsOf('sendFile')).toEqual([
      [{ kind: 'room', room: 'general' }, join(dir, 'photos', 'cat picture.jpg')],
    ]);
  });

  test('a path that is not there says why, in one line', async () => {
    tui = await renderTui({ columns: 120, rows: 30 });
    tui.api.failNext(
      'sendFile',
      new UsageError('INVALID_ARGUMENT', 'cannot send /nope/x.bin: ENOENT: no such file or directory'),
    );
    tui.submit('/send /nope/x.bin');
    await tui.waitFor('could not send /nope/x.bin: cannot send /nope/x.bin: ENOENT');
    tui.submit('/send');
    await tui.waitFor('/send needs a file path (usage: /send PATH)');
  });
});

describe('receiving', () => {
  test('the offer shows with size and /get; /get shows a bar with rate and time left, then the saved path', async () => {
    tui = await renderTui({ columns: 120, rows: 30 });
    const t = tui;
    // What the node does for an offer: a message in the history, and the file's event.
    t.api.deliver({
      room: 'general',
      from: nodeIdFor('alice'),
      nick: 'alice',
      text: `[file] holiday.mp4 (50.0 MiB) /get ${ID.slice(0, 12)}`,
    });
    t.api.fileMap.set(ID, offer());
    t.api.emit({ type: 'file', file: offer() });
    await t.waitFor('<alice> [file] holiday.mp4 (50.0 MiB) /get ab12cd34ef56');
    expect(t.frame()).not.toContain('⇣');

    t.submit('/get ab12cd34ef56');
    await t.waitFor('fetching holiday.mp4 (50.0 MiB) from whoever holds it');
    expect(t.api.callsOf('getFile')).toEqual([['ab12cd34ef56']]);
    // 100 of 400 chunks at 5 MiB/s: 12.5 of 50 MiB, 37.5 MiB to go, 0:08 left.
    t.api.emit({ type: 'file', file: offer({ state: 'fetching', held: 100, rate: 5 * MiB, holders: 2 }) });
    const frame = await t.waitFor('25%  12.5 MiB of 50.0 MiB  5.0 MiB/s  0:08 left');
    expect(frame).toMatch(/⇣ holiday\.mp4 \[█+░+\]/);
    // The bar sits right above the status bar.
    const lines = frame.split('\n');
    const bar = lines.findIndex((l) => l.includes('⇣ holiday.mp4'));
    expect(lines[bar + 1]).toContain('[1:#general]');

    const path = '/home/me/Downloads/holiday.mp4';
    t.api.emit({ type: 'file', file: offer({ state: 'done', held: 400, path }) });
    const done = await t.waitFor(`saved holiday.mp4 (50.0 MiB) to ${path}`);
    expect(done).not.toContain('⇣');
  });

  test('a small offer fetched without asking is explained; a failed fetch says why', async () => {
    tui = await renderTui({ columns: 120, rows: 30 });
    const t = tui;
    const small = offer({ name: 'cat.jpg', size: 300_000, chunks: 3, state: 'fetching' });
    t.api.emit({ type: 'file', file: small });
    await t.waitFor('fetching cat.jpg (293.0 KiB) (small enough to take at once)');
    await t.waitFor('⇣ cat.jpg');
    t.api.emit({ type: 'file', file: { ...small, state: 'failed', error: 'no space left on device' } });
    await t.waitFor('could not fetch cat.jpg (293.0 KiB): no space left on device');
  });

  test('/get of an unknown id, and /files', async () => {
    tui = await renderTui({ columns: 120, rows: 30 });
    const t = tui;
    t.api.failNext('getFile', new UsageError('UNKNOWN_FILE', 'no file offered or held matches ffff00'));
    t.submit('/get ffff00');
    await t.waitFor('/get ffff00: no file offered or held matches ffff00 (/files lists them)');
    t.submit('/files');
    await t.waitFor('no files offered or held yet (/send PATH offers one)');
    t.api.fileMap.set(ID, offer({ name: 'evil\u001b[2Jname.txt' }));
    t.submit('/files');
    const frame = await t.waitFor('ab12cd34ef56 offered 50.0 MiB');
    expect(frame).toContain('from alice in #general');
    expect(frame).not.toContain('\u001b[2J');
    await waitUntil(() => t.api.callsOf('files').length >= 2, { description: 'files asked for' });
  });
});
