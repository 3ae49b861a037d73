/**
 * The page's fetch of one file (src/web/peer/page-file-fetch.ts) against a scripted node: leaves that
 * do not match the root and a chunk that does not match its leaf are refused (counted, said, asked
 * again), a good chunk is kept; and the name a download gets is never a path a peer gave.
 */
import { describe, expect, it } from 'vitest';
import { nobleCrypto } from '../../src/crypto-noble/index.js';
import {
  FILE_CHUNK_BYTES,
  fromHex,
  leafHash,
  type LinkMessage,
  toHex,
  treeRoot,
} from '../../src/wire/index.js';
import { PageFetch } from '../../src/web/peer/page-file-fetch.js';
import { safeDownloadName, type PageFileRecord } from '../../src/web/peer/page-file-offer.js';

const crypto = nobleCrypto;

function fileOf(size: number) {
  const bytes = new Uint8Array(size).map((_, i) => (i * 7) & 0xff);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < size; at += FILE_CHUNK_BYTES) chunks.push(bytes.subarray(at, at + FILE_CHUNK_BYTES));
  const leaves = chunks.map((c) => leafHash(crypto, c));
  const root = toHex(treeRoot(crypto, leaves));
  const record: PageFileRecord = {
    root,
    name: 'f.bin',
    size,
    type: '',
    chunk: FILE_CHUNK_BYTES,
    count: chunks.length,
    from: '00'.repeat(32),
    nick: 'n',
    room: 'lobby',
    peer: null,
    ts: 0,
    messageId: 'm',
    own: false,
    state: 'fetching',
    error: null,
  };
  return { chunks, leaves, root, record };
}

describe('the page fetching a file', () => {
  it('refuses leaves that do not match the root and a chunk that does not match its leaf', () => {
    const { chunks, leaves, root, record } = fileOf(2 * FILE_CHUNK_BYTES + 10);
    const errors: Error[] = [];
    const sent: LinkMessage[] = [];
    const send = (m: LinkMessage) => (sent.push(m), true);
    const fetch = new PageFetch(record, crypto, (err) => errors.push(err));
    fetch.start(send);
    expect(sent.map((m) => m.kind)).toEqual(['file-have', 'file-want']);
    expect(sent[1]).toMatchObject({ kind: 'file-want', chunks: [], leaves: 0 });

    // Leaves from another file: refused, nothing asked on the strength of them.
    const forged = leaves.map((l) => l.map((b) => b ^ 1));
    fetch.leavesArrived({ kind: 'file-leaves', root: fromHex(root), from: 0, hashes: forged }, send);
    expect(fetch.leaves).toBeNull();
    expect(errors.at(-1)?.message).toMatch(/leaves do not match the root/);

    // The right leaves, asked again: the chunks are asked.
    fetch.none({ kind: 'file-none', root: fromHex(root), chunks: [], leaves: true }, send);
    const asked = () => sent.filter((m) => m.kind === 'file-want');
    const before = asked().length;
    fetch.tick(send);
    expect(asked().length, 'nothing asked again before the retry time').toBe(before);
    (fetch as unknown as { retryAt: number }).retryAt = 0;
    fetch.tick(send);
    expect(asked().at(-1)).toMatchObject({ chunks: [], leaves: 0 });
    fetch.leavesArrived({ kind: 'file-leaves', root: fromHex(root), from: 0, hashes: leaves }, send);
    expect(fetch.leaves).toHaveLength(3);
    expect(asked().at(-1)).toMatchObject({ chunks: [0, 1, 2] });

    // A corrupt chunk 1 is refused and asked again; good chunks are kept.
    const bad = Uint8Array.from(chunks[1]);
    bad[5] ^= 0xff;
    expect(fetch.chunk({ kind: 'file-chunk', root: fromHex(root), index: 1, data: bad }, send)).toBe(false);
    expect(fetch.badChunks).toBe(2);
    expect(errors.at(-1)?.message).toMatch(/chunk 1 does not match its hash/);
    expect(asked().at(-1)).toMatchObject({ chunks: [1] });
    for (const i of [0, 1, 2])
      expect(fetch.chunk({ kind: 'file-chunk', root: fromHex(root), index: i, data: chunks[i] }, send)).toBe(
        true,
      );
    expect(fetch.complete).toBe(true);
    expect(Buffer.concat(fetch.take())).toEqual(Buffer.concat(chunks));
  });

  it('keeps no chunk it did not ask for', () => {
    const { chunks, root, record } = fileOf(100);
    const fetch = new PageFetch(record, crypto, () => undefined);
    fetch.start(() => true);
    expect(
      fetch.chunk({ kind: 'file-chunk', root: fromHex(root), index: 0, data: chunks[0] }, () => true),
    ).toBe(false);
    expect(fetch.held).toBe(0);
  });
});

describe('the name a download gets', () => {
  it('is never a path a peer gave', () => {
    expect(safeDownloadName('../../.bashrc')).toBe('bashrc');
    expect(safeDownloadName('/etc/passwd')).toBe('passwd');
    expect(safeDownloadName('C:\\Users\\x\\evil.exe')).toBe('evil.exe');
    expect(safeDownloadName('a\u202Egnp.exe')).toBe('agnp.exe');
    expect(safeDownloadName('..')).toBe('file');
    expect(safeDownloadName('photo.jpg')).toBe('photo.jpg');
  });
});
