/**
 * Sharing files over loopback (PROTOCOL.md §21): a 50 MiB file reaches four nodes with a matching hash,
 * one of them started after the sender stopped (it fetches from the other holders); chat flows during
 * a transfer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestMesh } from '../helpers/mesh.js';
import { files, sha256File, waitForFile, writeRandomFile } from '../helpers/files.js';
import { waitFor } from '../helpers/wait.js';

const MiB = 1024 * 1024;
const all = (i: number) => Array.from({ length: i }, (_, j) => j);

describe('files over loopback', () => {
  let mesh: TestMesh | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await mesh?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
    mesh = undefined;
    dir = undefined;
  });

  it('a 50 MiB file reaches four nodes; the last, started after the sender stopped, fetches it from the others', async () => {
    dir = mkdtempSync(join(tmpdir(), 'konnect-files-'));
    const source = join(dir, 'big.bin');
    const hash = writeRandomFile(source, 50 * MiB);
    mesh = await TestMesh.start(4, {
      peersOf: all,
      nodeOptions: (i) => ({ files: { downloadDir: join(dir!, `down-${i}`) } }),
    });
    await mesh.waitConnected(30_000);
    const [origin, ...receivers] = mesh.nodes;
    const offer = await files(origin.node).send({ kind: 'room', room: 'lobby' }, source);
    expect(offer.chunks).toBe(400);
    for (const r of receivers)
      await waitForFile(r.node, offer.id, `node ${r.index} to see the offer`, () => true);
    // Chat keeps flowing while the chunks move.
    for (const r of receivers) files(r.node).get(offer.id);
    origin.node.send({ kind: 'room', room: 'lobby' }, 'during the transfer');
    for (const r of receivers) {
      const done = await waitForFile(
        r.node,
        offer.id,
        `node ${r.index} to finish`,
        (f) => f.state === 'done',
        120_000,
      );
      expect(dirname(done.path!)).toBe(join(dir, `down-${r.index}`));
      expect(sha256File(done.path!)).toBe(hash);
    }
    for (const r of receivers)
      await waitFor(
        () => r.received.some((m) => m.text === 'during the transfer'),
        `node ${r.index} to get the chat message sent during the transfer`,
        { timeoutMs: 30_000 },
      );
    // The sender leaves; a new node, linked to the three holders, learns the offer by history sync
    // and fetches every chunk from them.
    await mesh.stopNode(0);
    const late = await mesh.add(
      { files: { downloadDir: join(dir, 'down-late') } },
      receivers.map((r) => r.address),
      4,
    );
    await waitForFile(late.node, offer.id, 'the late node to learn the offer by sync', () => true, 60_000);
    files(late.node).get(offer.id);
    const done = await waitForFile(
      late.node,
      offer.id,
      'the late node to finish',
      (f) => f.state === 'done',
      120_000,
    );
    expect(sha256File(done.path!)).toBe(hash);
  }, 300_000);
});
