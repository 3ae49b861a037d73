/**
 * "dana joined #lobby" once, not once per reload: a page opened again (a reload, a second tab) while
 * its identity is online floods presence `join` again; the nodes and the other pages take it but show
 * no second "joined" line. One that left (closed with `leave`) and comes back is shown joining again.
 * And a page shows the node it links to joining, as it shows the others, though the link already
 * counts that node online.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import type { ChatEvent } from '../../src/daemon/index.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';
import { openTestPage, PAGE_ROOT, type TestPage, waitLinked, wsUrlOf } from '../helpers/web-peer.js';

let mesh: TestMesh | undefined;
const pages: TestPage[] = [];

afterEach(async () => {
  for (const page of pages.splice(0)) await page.peer.close();
  await mesh?.destroy();
  mesh = undefined;
});

const presences = (events: ChatEvent[], peer: string, event: 'join' | 'leave') =>
  events.filter((e) => e.type === 'presence' && e.peer === peer && e.event === event).length;
/** Every presence a node takes emits a 'peer' event (the page is not linked to that node). */
const peerEvents = (events: ChatEvent[], peer: string) =>
  events.filter((e) => e.type === 'peer' && e.peer.id === peer).length;

describe('presence lines', () => {
  it('a page opened again while online joins once; after leaving, it joins again', async () => {
    mesh = await TestMesh.start(2, { nodeOptions: (i) => (i === 0 ? { web: { root: PAGE_ROOT } } : {}) });
    await mesh.waitConnected();
    const far = mesh.nodes[1];
    const url = wsUrlOf(mesh.nodes[0].node);
    const profile = new IDBFactory();
    const watcher = await openTestPage(url, { nick: 'watcher' });
    pages.push(watcher);
    await waitLinked(watcher);

    const first = await openTestPage(url, { idb: profile, nick: 'dana' });
    pages.push(first);
    const dana = first.peer.identity.id;
    await waitLinked(first);
    await waitFor(() => presences(far.events, dana, 'join') === 1, 'n1 to show dana joining');
    await waitFor(() => presences(watcher.events, dana, 'join') === 1, 'the other page to show dana joining');

    // The same identity in a second tab: its presence is taken (a 'peer' event), and shown by nobody.
    const [farTaken, watcherTaken] = [peerEvents(far.events, dana), peerEvents(watcher.events, dana)];
    const second = await openTestPage(url, { idb: profile });
    pages.push(second);
    expect(second.peer.identity.id).toBe(dana);
    await waitLinked(second);
    await waitFor(() => peerEvents(far.events, dana) > farTaken, 'n1 to take the second tab’s presence');
    await waitFor(
      () => peerEvents(watcher.events, dana) > watcherTaken,
      'the other page to take the second tab’s presence',
    );
    expect(presences(far.events, dana, 'join'), 'joined lines for dana at n1').toBe(1);
    expect(presences(watcher.events, dana, 'join'), 'joined lines for dana in the other page').toBe(1);

    // Closed (it says leave), then opened again: it left, and it joins again.
    await second.peer.close();
    await waitFor(() => presences(far.events, dana, 'leave') === 1, 'n1 to show dana leaving');
    const third = await openTestPage(url, { idb: profile });
    pages.push(third);
    await waitLinked(third);
    await waitFor(() => presences(far.events, dana, 'join') === 2, 'n1 to show dana joining again');
    await waitFor(() => presences(watcher.events, dana, 'join') === 2, 'the other page to show it too');
  });

  it('a page shows its own node joining, also when that node has been up a while', async () => {
    // Heartbeats every 50 ms: the node's latest presence, which it sends on each new link, is `here`.
    mesh = await TestMesh.start(2, {
      nodeOptions: (i) => (i === 0 ? { web: { root: PAGE_ROOT }, presenceIntervalMs: 50 } : {}),
    });
    await mesh.waitConnected();
    const serving = mesh.nodes[0];
    const id = serving.node.status().id;
    await waitFor(() => peerEvents(mesh!.nodes[1].events, id) >= 3, 'n1 to take heartbeats of n0');
    const page = await openTestPage(wsUrlOf(serving.node));
    pages.push(page);
    await waitLinked(page);
    await waitFor(() => presences(page.events, id, 'join') === 1, 'the page to show its node joining');
    await waitFor(() => peerEvents(page.events, id) >= 3, 'the page to take more heartbeats of its node');
    expect(presences(page.events, id, 'join'), 'joined lines for the node in the page').toBe(1);
  });
});
