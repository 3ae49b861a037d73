/**
 * Sharing files over loopback (PROTOCOL.md §21): a 50 MiB file reaches four nodes with a matching hash,
 * one of them started after the sender stopped (it fetches from the other holders); chat flows during
 * a transfer; a receiver stopped mid-transfer resumes without fetching again what it had; a neighbour
 * serving corrupt chunks is caught and counted; hostile names land as safe names; a direct file
 * travels sealed.
 */
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../src/daemon/index.js';
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
    // Chat keeps flowing while the chunks move: one line as the fetches start, one sent from inside a
    // progress event, when a receiver holds part of the file and not all of it.
    let midwaySent = false;
    const midway = (event: ChatEvent) => {
      if (event.type !== 'file' || event.file.id !== offer.id || midwaySent) return;
      if (event.file.state !== 'fetching' || event.file.held === 0 || event.file.held >= event.file.chunks)
        return;
      midwaySent = true;
      origin.node.send({ kind: 'room', room: 'lobby' }, 'midway through the transfer');
    };
    receivers[0].node.on('event', midway);
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
    receivers[0].node.off('event', midway);
    expect(midwaySent, 'a chat line sent while node 1 held part of the file').toBe(true);
    for (const r of receivers)
      for (const text of ['during the transfer', 'midway through the transfer'])
        await waitFor(
          () => r.received.some((m) => m.text === text),
          `node ${r.index} to get the chat message "${text}"`,
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

  it('a receiver stopped mid-transfer resumes after a restart without fetching again what it held', async () => {
    dir = mkdtempSync(join(tmpdir(), 'konnect-files-'));
    const source = join(dir, 'big.bin');
    // Large enough that the transfer outlasts the first progress event (every 250 ms): since the
    // holder reads chunks into pooled frames, 50 MiB could arrive whole before the first one.
    const hash = writeRandomFile(source, 192 * MiB);
    mesh = await TestMesh.start(2, {
      nodeOptions: (i) => ({ files: { downloadDir: join(dir!, `down-${i}`) } }),
    });
    await mesh.waitConnected(30_000);
    const offer = await files(mesh.nodes[0].node).send({ kind: 'room', room: 'lobby' }, source);
    const receiver = mesh.nodes[1];
    await waitForFile(receiver.node, offer.id, 'the offer', () => true);
    // Stopped like a crash as soon as a part has come: from inside the progress event, so the part is
    // well short of the whole even on a fast machine.
    const stopped = new Promise<void>((resolve) => {
      receiver.node.on('event', (event) => {
        if (
          event.type === 'file' &&
          event.file.id === offer.id &&
          event.file.held >= 40 &&
          receiver.node.running
        )
          void receiver.node.stop({ graceful: false }).then(resolve);
      });
    });
    files(receiver.node).get(offer.id);
    await stopped;
    const heldBefore = countBits(readFileSync(join(receiver.dataDir, 'files', `${offer.id}.bits`)));
    expect(heldBefore).toBeGreaterThan(0);
    expect(heldBefore).toBeLessThan(offer.chunks);
    const again = await mesh.add({ files: { downloadDir: join(dir, 'down-1') } }, [mesh.nodes[0].address], 1);
    const done = await waitForFile(
      again.node,
      offer.id,
      'the resumed fetch to finish',
      (f) => f.state === 'done',
      120_000,
    );
    expect(sha256File(done.path!)).toBe(hash);
    // Chunks that came over the wire after the restart: only those it lacked.
    expect(done.fetched).toBeLessThanOrEqual(offer.chunks - heldBefore);
  }, 300_000);

  it('a neighbour serving corrupt chunks is caught by the hash, counted, and the chunks come from another', async () => {
    dir = mkdtempSync(join(tmpdir(), 'konnect-files-'));
    const source = join(dir, 'mid.bin');
    const hash = writeRandomFile(source, 16 * MiB);
    mesh = await TestMesh.start(3, {
      peersOf: all,
      nodeOptions: (i) => ({ files: { downloadDir: join(dir!, `down-${i}`) } }),
    });
    await mesh.waitConnected(30_000);
    const offer = await files(mesh.nodes[0].node).send({ kind: 'room', room: 'lobby' }, source);
    for (const i of [1, 2]) {
      await waitForFile(mesh.nodes[i].node, offer.id, `node ${i} to see the offer`, () => true);
      files(mesh.nodes[i].node).get(offer.id);
      await waitForFile(
        mesh.nodes[i].node,
        offer.id,
        `node ${i} to finish`,
        (f) => f.state === 'done',
        120_000,
      );
    }
    // Node 2 turns liar: one byte of every chunk it keeps is flipped on disk.
    const liar = mesh.nodes[2];
    const part = join(liar.dataDir, 'files', `${offer.id}.part`);
    const fd = openSync(part, 'r+');
    for (let index = 0; index < offer.chunks; index++) {
      const byte = Buffer.alloc(1);
      readSync(fd, byte, 0, 1, index * 128 * 1024 + 7);
      byte[0] ^= 0xff;
      writeSync(fd, byte, 0, 1, index * 128 * 1024 + 7);
    }
    closeSync(fd);
    await mesh.stopNode(0);
    const late = await mesh.add(
      { files: { downloadDir: join(dir, 'down-late') } },
      [mesh.nodes[1].address, liar.address],
      3,
    );
    await waitForFile(late.node, offer.id, 'the late node to learn the offer', () => true);
    await waitFor(() => late.node.links.links().length === 2, 'the late node to link to both holders', {
      timeoutMs: 30_000,
    });
    files(late.node).get(offer.id);
    const done = await waitForFile(
      late.node,
      offer.id,
      'the late node to finish',
      (f) => f.state === 'done',
      120_000,
    );
    expect(sha256File(done.path!)).toBe(hash);
    expect(files(late.node).badChunks().get(liar.node.identity.idHex) ?? 0).toBeGreaterThan(0);
    expect(files(late.node).badChunks().get(mesh.nodes[1].node.identity.idHex)).toBeUndefined();
  }, 300_000);

  it('names like ../../.bashrc and /etc/passwd land as safe names inside the downloads folder', async () => {
    dir = mkdtempSync(join(tmpdir(), 'konnect-files-'));
    mesh = await TestMesh.start(2, {
      nodeOptions: (i) => ({ files: { downloadDir: join(dir!, `down-${i}`) } }),
    });
    await mesh.waitConnected(30_000);
    const landed: string[] = [];
    for (const [i, name] of ['../../.bashrc', '/etc/passwd', '..'].entries()) {
      const source = join(dir, `f${i}`);
      writeRandomFile(source, 1000 + i);
      const offer = await files(mesh.nodes[0].node).send({ kind: 'room', room: 'lobby' }, source, name);
      // Small: fetched without asking (--auto-accept-bytes).
      const done = await waitForFile(
        mesh.nodes[1].node,
        offer.id,
        `the file named ${name}`,
        (f) => f.state === 'done',
      );
      landed.push(done.path!);
    }
    const downloads = join(dir, 'down-1');
    expect(landed).toEqual([join(downloads, 'bashrc'), join(downloads, 'passwd'), join(downloads, 'file')]);
    expect(readdirSync(downloads).sort()).toEqual(['bashrc', 'file', 'passwd']);
    expect(existsSync(join(dir, '.bashrc'))).toBe(false);
  }, 120_000);

  it('a direct file is sealed to the recipient: the neighbour in between learns nothing of it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'konnect-files-'));
    const source = join(dir, 'secret.txt');
    const hash = writeRandomFile(source, 300_000);
    mesh = await TestMesh.start(3, {
      nodeOptions: (i) => ({ files: { downloadDir: join(dir!, `down-${i}`) } }),
    });
    await mesh.waitConnected(30_000);
    const [sender, relay, recipient] = mesh.nodes;
    const offer = await files(sender.node).send(
      { kind: 'direct', peer: recipient.node.identity.idHex },
      source,
    );
    const done = await waitForFile(
      recipient.node,
      offer.id,
      'the recipient to fetch it',
      (f) => f.state === 'done',
    );
    expect(done.name).toBe('secret.txt');
    expect(done.peer).toBe(sender.node.identity.idHex);
    expect(sha256File(done.path!)).toBe(hash);
    // What travelled (kept by the recipient as it came) is not the plaintext.
    const kept = readFileSync(join(recipient.dataDir, 'files', `${offer.id}.part`));
    expect(kept.includes(readFileSync(source).subarray(0, 64))).toBe(false);
    expect(files(relay.node).list()).toEqual([]);
  }, 120_000);
});

function countBits(bits: Uint8Array): number {
  let n = 0;
  for (const byte of bits) for (let b = byte; b; b &= b - 1) n++;
  return n;
}
