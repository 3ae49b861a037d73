/**
 * A holder reads each chunk it serves into a pooled frame (file-chunk-frame.ts) and gives the frame
 * back only once its link has written it (Link.sendFrame's `written`): a frame still waiting is never
 * handed out again, one written is, the chunks arrive as they are on disk, and a chunk the part file
 * no longer holds whole is answered file-none (never the rest of an earlier frame).
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import { silentLogger } from '../../src/daemon/index.js';
import { prepareFile } from '../../src/daemon/files/file-offer.js';
import { FileServer } from '../../src/daemon/files/file-serve.js';
import { type FileRecord, FileStore } from '../../src/daemon/files/file-store.js';
import type { Link } from '../../src/daemon/links/index.js';
import {
  FILE_CHUNK_BYTES,
  FrameDecoder,
  freeFrameBuffers,
  fromHex,
  type LinkMessage,
} from '../../src/wire/index.js';
import { writeRandomFile } from '../helpers/files.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A link that keeps what is sent on it; frames are "written" when the test says so. */
function fakeLink() {
  const frames: { frame: Uint8Array; written?: () => void }[] = [];
  const messages: LinkMessage[] = [];
  const link = {
    queuedBytes: 0,
    on: () => link,
    send: (m: LinkMessage) => messages.push(m) > 0,
    sendFrame: (frame: Uint8Array, written?: () => void) => frames.push({ frame, written }) > 0,
  };
  return { link: link as unknown as Link, frames, messages };
}

/** A served file of 5 full chunks and a short last one, held whole. */
async function served(): Promise<{ store: FileStore; root: string; bytes: Buffer }> {
  dir = mkdtempSync(join(tmpdir(), 'konnect-serve-pool-'));
  const path = join(dir, 'source.bin');
  const size = 5 * FILE_CHUNK_BYTES + 1000;
  writeRandomFile(path, size);
  const store = new FileStore(join(dir, 'data'), silentLogger);
  store.load();
  const prepared = await prepareFile(store, nodeCrypto, path, size, undefined);
  const record: FileRecord = {
    ...{ root: prepared.root, name: 'source.bin', size, type: '', chunk: FILE_CHUNK_BYTES },
    ...{ count: prepared.count, from: '00'.repeat(32), nick: 'a', room: 'lobby', peer: null },
    ...{ ts: 1, messageId: 'x', own: true, state: 'done', path, error: null, addedAt: 1 },
  };
  store.save(record);
  return { store, root: prepared.root, bytes: readFileSync(path) };
}

const decode = (frame: Uint8Array) => new FrameDecoder().push(Uint8Array.from(frame))[0];

describe('FileServer and pooled chunk frames', () => {
  it('keeps a frame out of the pool until it is written, then reuses it', async () => {
    const { store, root, bytes } = await served();
    const server = new FileServer(store, silentLogger);
    const { link, frames } = fakeLink();
    const want = (chunks: number[]) => server.want(link, { kind: 'file-want', root: fromHex(root), chunks });
    const freeBefore = freeFrameBuffers();
    want([0, 1, 2, 3, 4, 5]);
    expect(frames).toHaveLength(6);
    frames.forEach(({ frame, written }, index) => {
      expect(written, 'a written callback').toBeTypeOf('function');
      const m = decode(frame) as { kind: string; index: number; data: Uint8Array };
      expect(m).toMatchObject({ kind: 'file-chunk', index });
      const expected = bytes.subarray(index * FILE_CHUNK_BYTES, (index + 1) * FILE_CHUNK_BYTES);
      expect(Buffer.from(m.data).equals(expected), `chunk ${index} as on disk`).toBe(true);
    });
    const held = frames.slice(0, 5).map(({ frame }) => frame.buffer);
    expect(new Set(held).size).toBe(5);
    // None written yet: asking again takes none of their buffers, and none went back to the pool.
    want([0, 1]);
    expect(frames).toHaveLength(8);
    for (const { frame } of frames.slice(6)) expect(held).not.toContain(frame.buffer);
    expect(freeFrameBuffers()).toBeLessThanOrEqual(freeBefore);
    // Written: their buffers go back, and the next chunks are read into them.
    for (const { written } of frames.slice(0, 5)) written!();
    expect(freeFrameBuffers()).toBeGreaterThan(0);
    want([2, 3]);
    expect(frames).toHaveLength(10);
    for (const { frame } of frames.slice(8)) expect(held).toContain(frame.buffer);
    for (const [i, { frame }] of frames.slice(8).entries()) {
      const m = decode(frame) as { index: number; data: Uint8Array };
      expect(m.index).toBe(2 + i);
      const expected = bytes.subarray(m.index * FILE_CHUNK_BYTES, (m.index + 1) * FILE_CHUNK_BYTES);
      expect(Buffer.from(m.data).equals(expected)).toBe(true);
    }
    for (const { written } of frames.slice(5)) written!();
  });

  it('answers file-none for a chunk the part file holds no longer whole', async () => {
    const { store, root } = await served();
    const server = new FileServer(store, silentLogger);
    const { link, frames, messages } = fakeLink();
    truncateSync(store.path(root, 'part'), 4 * FILE_CHUNK_BYTES + 10);
    server.want(link, { kind: 'file-want', root: fromHex(root), chunks: [3, 4] });
    expect(frames).toHaveLength(1);
    expect(decode(frames[0].frame)).toMatchObject({ kind: 'file-chunk', index: 3 });
    expect(messages).toMatchObject([{ kind: 'file-none', chunks: [4] }]);
    frames[0].written!();
  });
});
