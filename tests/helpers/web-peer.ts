/**
 * Browser peers under Node for tests: openWebPeer with `ws`'s WebSocket and an in-memory IndexedDB
 * (fake-indexeddb; pass the same factory again to reopen a page's storage), recording every event.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { WebSocket as WsWebSocket } from 'ws';
import type { ChatEvent, ChatMessage } from '../../src/daemon/index.js';
import { openWebPeer, type WebPeer, type WebPeerOptions } from '../../src/web/peer/index.js';
import { waitFor } from './wait.js';

export interface TestPage {
  peer: WebPeer;
  idb: IDBFactory;
  events: ChatEvent[];
  errors: Error[];
  received: ChatMessage[];
}

export async function openTestPage(
  url: string,
  options: Partial<WebPeerOptions> & { idb?: IDBFactory } = {},
): Promise<TestPage> {
  const idb = options.idb ?? new IDBFactory();
  const errors: Error[] = [];
  const peer = await openWebPeer({
    url,
    nick: 'webby',
    WebSocket: WsWebSocket as unknown as typeof WebSocket,
    indexedDB: idb as unknown as globalThis.IDBFactory,
    IDBKeyRange: IDBKeyRange as unknown as typeof globalThis.IDBKeyRange,
    onProtocolError: (err) => errors.push(err),
    ...options,
  });
  const page: TestPage = { peer, idb, events: [], errors, received: [] };
  peer.subscribe((e) => {
    page.events.push(e);
    if (e.type === 'message') page.received.push(e.message);
  });
  return page;
}

/** Waits until the page's link is up (bounded, for loaded machines). */
export async function waitLinked(page: TestPage, timeoutMs = 30_000): Promise<void> {
  await waitFor(() => page.peer.connected, 'the page to link to its node', { timeoutMs });
}
