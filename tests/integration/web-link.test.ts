/**
 * A browser's WebSocket link on the mesh port (PROTOCOL.md §18): a Node `ws` client with a node
 * identity completes the real handshake on `/ws`, exchanges room messages with a two-node TCP mesh,
 * and stays a leaf (not in peer exchange, never dialled, its port ignored).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateIdentity, type Link } from '../../src/daemon/index.js';
import { decodePayload, type LinkMessage } from '../../src/wire/index.js';
import { floodFrames } from '../helpers/flooder.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';
import { openWs, wsLink } from '../helpers/ws-link.js';

let mesh: TestMesh | undefined;
const links: Link[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const l of links.splice(0)) l.destroy();
  await mesh?.destroy();
  mesh = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function webRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'konnect-web-'));
  dirs.push(root);
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>konnect</title>');
  return root;
}

/** Chat texts in the floods a link received. */
function chatTexts(messages: LinkMessage[]): string[] {
  const out: string[] = [];
  for (const m of messages) {
    if (m.kind !== 'flood') continue;
    const payload = decodePayload(m.payload);
    if (payload?.kind === 'chat') out.push(payload.text);
  }
  return out;
}

describe('WebSocket links on the mesh port', () => {
  it('a ws client with a node identity exchanges room messages with a two-node TCP mesh', async () => {
    const root = webRoot();
    mesh = await TestMesh.start(2, { nodeOptions: (i) => (i === 0 ? { web: { root } } : {}) });
    await mesh.waitConnected(30_000);
    const [a, b] = mesh.nodes;
    expect(a.node.status().web).toBe(`http://${a.address}/`);
    expect(b.node.status().web).toBeNull();

    const phone = generateIdentity();
    const link = await wsLink(a.address, { identity: phone, nick: 'phone', port: 9 });
    links.push(link);
    const got: LinkMessage[] = [];
    link.on('message', (m) => got.push(m));

    // Browser → mesh: a signed room message reaches the node it is not linked to.
    const [frame] = floodFrames(phone, 1);
    link.sendFrame(frame);
    await waitFor(
      () => b.received.some((m) => m.from === phone.idHex),
      'the browser message to reach the far node',
      { timeoutMs: 30_000 },
    );
    // Mesh → browser: the far node's message reaches the browser over its WebSocket.
    b.node.send({ kind: 'room', room: 'lobby' }, 'hello phone');
    await waitFor(() => chatTexts(got).includes('hello phone'), 'the far node message over the WebSocket', {
      timeoutMs: 30_000,
    });

    // A leaf: linked at a, its advertised port ignored, never told to b, not counted as a mesh link.
    const entry = a.node.peerTable.get(phone.idHex)!;
    expect(entry.link?.leaf).toBe(true);
    expect(entry.addresses).toEqual([]);
    expect(b.node.peerTable.get(phone.idHex)?.addresses ?? []).toEqual([]);
    expect(a.node.links.links().filter((l) => !l.leaf)).toHaveLength(1);
  });

  it('a leaf is told the mesh nodes (so its page can move on) but is not listened to', async () => {
    const root = webRoot();
    mesh = await TestMesh.start(2, { nodeOptions: (i) => (i === 0 ? { web: { root } } : {}) });
    await mesh.waitConnected(30_000);
    const [a, b] = mesh.nodes;
    const phone = generateIdentity();
    const link = await wsLink(a.address, { identity: phone, nick: 'phone' });
    links.push(link);
    const got: LinkMessage[] = [];
    link.on('message', (m) => got.push(m));
    // A node joins after the leaf is up (its first list may come before anyone listened): A's next
    // list, to every link, the leaf included, names it.
    const c = await mesh.add({}, [a.address], 2);
    const told = (m: LinkMessage) =>
      m.kind === 'peers' &&
      m.peers.some(
        (p) => Buffer.from(p.id).equals(Buffer.from(c.node.identity.id)) && p.addrs.includes(c.address),
      );
    await waitFor(() => got.some(told), 'node A to tell the leaf where the new node is', {
      timeoutMs: 30_000,
    });

    // What the leaf says about others is not taken in: no node is dialled on a browser's word.
    const stranger = generateIdentity();
    link.send({ kind: 'peers', peers: [{ id: stranger.id, addrs: ['127.0.0.1:9'], nick: 'stranger' }] });
    // Messages of one link are handled in order: once its next flood is through, the list was read.
    const [frame] = floodFrames(phone, 1);
    link.sendFrame(frame);
    await waitFor(() => b.received.some((m) => m.from === phone.idHex), 'the flood after the list', {
      timeoutMs: 30_000,
    });
    expect(a.node.peerTable.get(stranger.idHex)).toBeUndefined();
  });

  it('a page that moved from another node of the mesh is let in; a page of another site is not', async () => {
    const root = webRoot();
    mesh = await TestMesh.start(2, { nodeOptions: () => ({ web: { root } }) });
    await mesh.waitConnected(30_000);
    const [a, b] = mesh.nodes;
    await waitFor(
      () => a.node.peerTable.get(b.node.identity.idHex)?.addresses.includes(b.address),
      'node A to know where node B listens',
      { timeoutMs: 30_000 },
    );
    // The page B served, moving to A when B went away: its Origin is B's address.
    const moved = await openWs(a.address, { Origin: `http://${b.address}` });
    moved.ws.terminate();
    // Its own page, of course.
    const own = await openWs(a.address, { Origin: `http://${a.address}` });
    own.ws.terminate();
    // A page of any other site (here: an address no node of the mesh listens on) is refused.
    await expect(openWs(a.address, { Origin: 'http://127.0.0.1:9' })).rejects.toThrow(/HTTP 403/);
    await expect(openWs(a.address, { Origin: 'http://evil.example' })).rejects.toThrow(/HTTP 403/);
  });
});
