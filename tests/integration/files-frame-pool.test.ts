/**
 * A file's chunks read on a dialled link land in pooled frame buffers that the file service gives
 * back once each chunk is hashed and written (frame-pool.ts, file-service.ts): after transfers both
 * ways between two nodes (so whichever of them dialled, one received on its dialled link), the pool
 * holds buffers given back, and both files arrive whole.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freeFrameBuffers } from '../../src/wire/index.js';
import { TestMesh } from '../helpers/mesh.js';
import { files, sha256File, waitForFile, writeRandomFile } from '../helpers/files.js';

const MiB = 1024 * 1024;

describe('frame buffers of file chunks', () => {
  let mesh: TestMesh | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await mesh?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
    mesh = undefined;
    dir = undefined;
  });

  it('are given back to the pool once each chunk is written, and the files arrive whole', async () => {
    dir = mkdtempSync(join(tmpdir(), 'konnect-frame-pool-'));
    mesh = await TestMesh.start(2, {
      nodeOptions: (i) => ({ files: { downloadDir: join(dir!, `down-${i}`), autoAcceptBytes: 0 } }),
    });
    await mesh.waitConnected(30_000);
    expect(freeFrameBuffers()).toBe(0);
    const [a, b] = mesh.nodes;
    for (const [from, to] of [
      [a, b],
      [b, a],
    ]) {
      const source = join(dir, `from-${from.index}.bin`);
      const hash = writeRandomFile(source, 2 * MiB);
      const offer = await files(from.node).send({ kind: 'room', room: 'lobby' }, source);
      await waitForFile(to.node, offer.id, `node ${to.index} to see the offer`, () => true);
      files(to.node).get(offer.id);
      const done = await waitForFile(
        to.node,
        offer.id,
        `node ${to.index} to fetch the file`,
        (f) => f.state === 'done',
        60_000,
      );
      expect(sha256File(done.path!)).toBe(hash);
    }
    expect(freeFrameBuffers()).toBeGreaterThan(0);
  });
});
