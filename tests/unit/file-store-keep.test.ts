/**
 * The keep bound (--keep-files-bytes, PROTOCOL.md §21): held files beyond it are dropped oldest first;
 * a file being fetched, or one named to keep (an own offer just made), stays; records stay so the
 * offer can be fetched again.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/daemon/index.js';
import { type FileRecord, FileStore } from '../../src/daemon/files/index.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function record(root: string, addedAt: number, state: FileRecord['state'] = 'done'): FileRecord {
  return {
    root,
    name: `${root.slice(0, 4)}.bin`,
    size: 1000,
    type: '',
    chunk: 131072,
    count: 1,
    from: '00'.repeat(32),
    nick: 'alice',
    room: 'lobby',
    peer: null,
    ts: addedAt,
    messageId: `m-${addedAt}`,
    own: false,
    state,
    path: null,
    error: null,
    addedAt,
  };
}

describe('FileStore keep bound', () => {
  it('drops held files oldest first until under the bound, keeping fetches and the named one', () => {
    dir = mkdtempSync(join(tmpdir(), 'konnect-keep-'));
    const store = new FileStore(dir, createLogger('silent', process.stderr));
    store.load();
    const roots = ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(64));
    const states: FileRecord['state'][] = ['done', 'fetching', 'done', 'done', 'done'];
    roots.forEach((root, i) => {
      store.save(record(root, i + 1, states[i]));
      writeFileSync(store.path(root, 'part'), Buffer.alloc(1000));
    });
    // 4 held files of 1000 bytes (b is fetching and does not count); bound 2000, and e is kept by name.
    const dropped = store.evict(2000, new Set([roots[1], roots[4]]));
    expect(dropped).toEqual([roots[0], roots[2]]);
    expect(store.heldBytes(roots[0])).toBe(0);
    expect(store.heldBytes(roots[1])).toBe(1000);
    expect(store.heldBytes(roots[3])).toBe(1000);
    expect(store.heldBytes(roots[4])).toBe(1000);
    // The offers are still known: they can be fetched again.
    expect(store.get(roots[0])?.name).toBe('aaaa.bin');
    expect(store.evict(10_000, new Set())).toEqual([]);
  });
});
