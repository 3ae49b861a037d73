/**
 * Files in the browser peer (PROTOCOL.md §21) against a real node over its WebSocket: an offer in a
 * room fetched by the page and checked chunk by chunk (matching SHA-256), a small picture fetched
 * without asking, a file the page offers fetched by the terminal node, and direct files both ways,
 * sealed: nothing the page sent its node holds the plaintext of the file it sent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestMesh } from '../helpers/mesh.js';
import { files, filesUnder, sha256File, waitForFile } from '../helpers/files.js';
import { waitFor } from '../helpers/wait.js';
import {
  openTestPage,
  PAGE_ROOT,
  recordingWebSocket,
  type TestPage,
  waitLinked,
  wsUrlOf,
} from '../helpers/web-peer.js';

let mesh: TestMesh | undefined;
let dir: string | undefined;
const pages: TestPage[] = [];

afterEach(async () => {
  await Promise.allSettled(pages.splice(0).map((p) => p.peer.close()));
  await mesh?.destroy();
  mesh = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function start(options: Parameters<typeof openTestPage>[1] = {}) {
  dir = mkdtempSync(join(tmpdir(), 'konnect-webfiles-'));
  mesh = await TestMesh.start(1, {
    nodeOptions: () => ({ web: { root: PAGE_ROOT }, files: { downloadDir: join(dir!, 'down') } }),
  });
  const page = await openTestPage(wsUrlOf(mesh.nodes[0].node), options);
  pages.push(page);
  await waitLinked(page);
  const node = mesh.nodes[0].node;
  await waitFor(() => node.peers().find((p) => p.id === page.peer.identity.id), 'the node to know the page');
  return { node, page, dir };
}

/** A serving node S with the page, and a terminal node T linked to S only. */
async function startTwo() {
  dir = mkdtempSync(join(tmpdir(), 'konnect-webfiles-'));
  mesh = await TestMesh.start(2, {
    nodeOptions: (i) => ({
      files: { downloadDir: join(dir!, `down-${i}`) },
      ...(i === 0 ? { web: { root: PAGE_ROOT } } : {}),
    }),
  });
  await mesh.waitConnected();
  const page = await openTestPage(wsUrlOf(mesh.nodes[0].node));
  pages.push(page);
  await waitLinked(page);
  const far = mesh.nodes[1].node;
  await waitFor(
    () => far.peers().find((p) => p.id === page.peer.identity.id && p.online),
    'T to know the page',
  );
  return { serving: mesh.nodes[0].node, far, page };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function blobHash(blob: Blob | null): Promise<string> {
  expect(blob, 'the page to hold the file').not.toBeNull();
  return sha256(new Uint8Array(await blob!.arrayBuffer()));
}

function waitPageFile(page: TestPage, id: string, what: string, state: string) {
  return waitFor(async () => (await page.peer.files()).find((f) => f.id === id && f.state === state), what, {
    timeoutMs: 60_000,
  });
}

describe('web peer files', { timeout: 120_000 }, () => {
  it('fetches a file a terminal node offers in a room, each chunk checked, with a matching hash', async () => {
    const { node, page, dir } = await start();
    const bytes = randomBytes(300_000); // three chunks, the last short
    writeFileSync(join(dir, 'notes.bin'), bytes);
    const offer = await files(node).send({ kind: 'room', room: 'lobby' }, join(dir, 'notes.bin'));
    const line = await waitFor(
      () => page.received.find((m) => m.id === offer.messageId),
      'the offer in the page',
    );
    expect(line.text).toContain('[file] notes.bin (293.0 KiB)');
    const seen = await waitPageFile(page, offer.id, 'the page to know the offer', 'offered');
    expect(seen).toMatchObject({ name: 'notes.bin', size: 300_000, chunks: 3, room: 'lobby', own: false });
    expect(page.peer.fileBlob(offer.id)).toBeNull(); // not a picture: fetched only when asked

    await page.peer.getFile(offer.id.slice(0, 8));
    await waitPageFile(page, offer.id, 'the page to fetch it', 'done');
    expect(await blobHash(page.peer.fileBlob(offer.id))).toBe(sha256(bytes));
    expect(page.errors).toEqual([]);
  });

  it('fetches a small picture without asking', async () => {
    const { node, page, dir } = await start();
    const bytes = randomBytes(20_000);
    writeFileSync(join(dir, 'cat.png'), bytes);
    const offer = await files(node).send({ kind: 'room', room: 'lobby' }, join(dir, 'cat.png'));
    await waitPageFile(page, offer.id, 'the page to fetch the picture by itself', 'done');
    const blob = page.peer.fileBlob(offer.id);
    expect(blob?.type).toBe('image/png');
    expect(await blobHash(blob)).toBe(sha256(bytes));
  });

  it('offers a file from the page that the terminal node fetches with a matching hash', async () => {
    const { node, page } = await start();
    const bytes = randomBytes(400_000);
    const sent = await page.peer.sendBlob(
      { kind: 'room', room: 'lobby' },
      new Blob([bytes], { type: 'application/octet-stream' }),
      'from-the-page.bin',
    );
    expect(sent).toMatchObject({ own: true, state: 'done', chunks: 4, size: 400_000 });
    await waitForFile(node, sent.id, 'the node to see the offer', () => true);
    files(node).get(sent.id);
    const done = await waitForFile(
      node,
      sent.id,
      'the node to fetch it from the page',
      (f) => f.state === 'done',
    );
    expect(done.name).toBe('from-the-page.bin');
    expect(done.from).toBe(page.peer.identity.id);
    expect(sha256File(done.path!)).toBe(sha256(bytes));
    const history = await page.peer.history({ room: 'lobby' });
    expect(history.map((m) => m.text)).toEqual([expect.stringContaining('[file] from-the-page.bin')]);
  });

  it('sends a direct file sealed: the node fetches it, and nothing the page sent it holds the plaintext', async () => {
    const toNode: Buffer[] = [];
    const { node, page } = await start({ WebSocket: recordingWebSocket(toNode) });
    const bytes = randomBytes(300_000);
    const sent = await page.peer.sendBlob(
      { kind: 'direct', peer: node.identity.idHex },
      new Blob([bytes]),
      'secret.bin',
    );
    const done = await waitForFile(
      node,
      sent.id,
      'the node to fetch the direct file',
      (f) => f.state === 'done',
    );
    expect(done).toMatchObject({ name: 'secret.bin', peer: page.peer.identity.id, room: null });
    expect(sha256File(done.path!)).toBe(sha256(bytes));
    const wire = Buffer.concat(toNode);
    expect(wire.length).toBeGreaterThan(300_000); // the chunks went over this link
    for (const at of [0, 131_072, 299_000])
      expect(wire.includes(bytes.subarray(at, at + 64)), `plaintext at ${at} on the wire`).toBe(false);
  });

  it('opens a direct file a terminal node sends to the page', async () => {
    const { node, page, dir } = await start();
    const bytes = randomBytes(200_000);
    writeFileSync(join(dir, 'for-the-page.txt'), bytes);
    const offer = await files(node).send(
      { kind: 'direct', peer: page.peer.identity.id },
      join(dir, 'for-the-page.txt'),
    );
    const seen = await waitPageFile(page, offer.id, 'the page to open the offer', 'offered');
    expect(seen).toMatchObject({ name: 'for-the-page.txt', peer: node.identity.idHex, room: null });
    await page.peer.getFile(offer.id);
    await waitPageFile(page, offer.id, 'the page to fetch and open it', 'done');
    expect(await blobHash(page.peer.fileBlob(offer.id))).toBe(
      sha256(readFileSync(join(dir, 'for-the-page.txt'))),
    );
    expect(page.errors).toEqual([]);
  });

  it('fetches its pictures again when the page is reopened (the bytes were held in memory)', async () => {
    const { node, page, dir } = await start();
    const bytes = randomBytes(30_000);
    writeFileSync(join(dir, 'again.webp'), bytes);
    const offer = await files(node).send({ kind: 'room', room: 'lobby' }, join(dir, 'again.webp'));
    await waitPageFile(page, offer.id, 'the first fetch', 'done');
    await page.peer.close();
    const reopened = await openTestPage(wsUrlOf(node), { idb: page.idb });
    pages.push(reopened);
    await waitPageFile(reopened, offer.id, 'the reopened page to fetch the picture again', 'done');
    expect(await blobHash(reopened.peer.fileBlob(offer.id))).toBe(sha256(bytes));
  });

  it('gets a direct file from a node further away through its own, which neither holds nor reads it', async () => {
    const { serving, far, page } = await startTwo();
    const bytes = randomBytes(300_000);
    writeFileSync(join(dir!, 'far.bin'), bytes);
    const offer = await files(far).send(
      { kind: 'direct', peer: page.peer.identity.id },
      join(dir!, 'far.bin'),
    );
    await waitPageFile(page, offer.id, 'the page to open the offer', 'offered');
    await page.peer.getFile(offer.id);
    await waitPageFile(page, offer.id, 'the page to fetch it through its node', 'done');
    expect(await blobHash(page.peer.fileBlob(offer.id))).toBe(sha256(bytes));
    // The node in between carried sealed chunks only: it keeps no record of the file and no plaintext.
    expect(
      files(serving)
        .list()
        .map((f) => f.id),
    ).not.toContain(offer.id);
    for (const file of filesUnder(mesh!.nodes[0].dataDir))
      expect(readFileSync(file).includes(bytes.subarray(0, 64)), file).toBe(false);
  });

  it('sends a direct file to a node further away, through its own', async () => {
    const { serving, far, page } = await startTwo();
    await waitFor(
      async () => (await page.peer.peers()).find((p) => p.id === far.identity.idHex),
      'the page to know the far node',
    );
    const bytes = randomBytes(200_000);
    const sent = await page.peer.sendBlob(
      { kind: 'direct', peer: far.identity.idHex },
      new Blob([bytes]),
      'to-far.bin',
    );
    const done = await waitForFile(far, sent.id, 'the far node to fetch it', (f) => f.state === 'done');
    expect(sha256File(done.path!)).toBe(sha256(bytes));
    expect(
      files(serving)
        .list()
        .map((f) => f.id),
    ).not.toContain(sent.id);
  });

  it('says plainly that a path cannot be sent from the page', async () => {
    const { page } = await start();
    await expect(page.peer.sendFile({ kind: 'room', room: 'lobby' }, '/etc/hosts')).rejects.toThrow(
      /not available in the browser/,
    );
  });
});
