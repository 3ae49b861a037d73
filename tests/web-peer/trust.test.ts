/**
 * Pinned keys in the browser peer (PROTOCOL.md §20), kept as a node keeps them: the first key seen
 * with a nick is pinned in the page's IndexedDB; another key taking that nick is a NEW KEY on the peer
 * and on its messages; /trust re-pins the nick; the safety code is the one the node computes; /verify
 * marks the key verified, and the pins survive a reload.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NodeChatApi } from '../../src/daemon/index.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';
import { openTestPage, PAGE_ROOT, type TestPage, waitLinked, wsUrlOf } from '../helpers/web-peer.js';

let mesh: TestMesh | undefined;
const pages: TestPage[] = [];

afterEach(async () => {
  await Promise.allSettled(pages.splice(0).map((p) => p.peer.close()));
  await mesh?.destroy();
  mesh = undefined;
});

const WAIT = { timeoutMs: 60_000 };

describe('web peer pinned keys', () => {
  it('marks a new key for a known nick, trusts it, verifies it, and keeps the pins', async () => {
    mesh = await TestMesh.start(1, { nodeOptions: () => ({ nick: 'dana', web: { root: PAGE_ROOT } }) });
    const [first] = mesh.nodes;
    const url = wsUrlOf(first.node);
    const page = await openTestPage(url);
    pages.push(page);
    await waitLinked(page);
    const firstId = first.node.identity.idHex;
    const peerOf = async (id: string) => (await page.peer.peers()).find((p) => p.id === id);
    await waitFor(async () => (await peerOf(firstId))?.trust === 'known', 'the page to pin dana', WAIT);

    // A second machine takes the nick: a NEW KEY, on the peer and on what it writes.
    const second = await mesh.add({ nick: 'dana' }, [first.address]);
    await mesh.waitConnected(60_000);
    const secondId = second.node.identity.idHex;
    const fresh = await waitFor(
      async () => {
        const p = await peerOf(secondId);
        return p?.trust === 'new-key' ? p : undefined;
      },
      'the page to mark the second dana a NEW KEY',
      WAIT,
    );
    expect(fresh).toMatchObject({ nick: 'dana', pinnedKey: firstId });
    const said = second.node.send({ kind: 'room', room: 'lobby' }, 'it is me, dana');
    const got = await waitFor(() => page.received.find((m) => m.id === said.id), 'the page to get it', WAIT);
    expect(got.trust).toBe('new-key');

    // The safety code is the node's own, seen from either side.
    const code = await page.peer.safetyCode(secondId);
    expect(code.code).toBe((await new NodeChatApi(second.node).safetyCode(page.peer.identity.id)).code);

    expect(await page.peer.trustPeer(secondId)).toMatchObject({ trust: 'known', pinnedKey: secondId });
    expect((await peerOf(secondId))?.trust).toBe('known');
    expect((await peerOf(firstId))?.trust).toBe('new-key');
    expect(await page.peer.verifyPeer(secondId)).toMatchObject({ trust: 'verified' });
    // The page is not among its own peers: it cannot verify itself.
    await expect(page.peer.verifyPeer(page.peer.identity.id)).rejects.toMatchObject({ code: 'UNKNOWN_PEER' });

    // Reopened on the same storage: the nick is still pinned to the verified key.
    const idb = page.idb;
    await page.peer.close();
    const again = await openTestPage(url, { idb });
    pages.push(again);
    await waitLinked(again);
    await waitFor(
      async () => (await again.peer.peers()).find((p) => p.id === secondId)?.trust === 'verified',
      'the reopened page to know the verified key',
      WAIT,
    );
    expect((await again.peer.peers()).find((p) => p.id === firstId)?.trust).toBe('new-key');
  }, 240_000);
});
