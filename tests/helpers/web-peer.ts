/**
 * Browser peers under Node for tests: openWebPeer with `ws`'s WebSocket and an in-memory IndexedDB
 * (fake-indexeddb; pass the same factory again to reopen a page's storage), recording every event.
 */
import { fileURLToPath } from 'node:url';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { WebSocket as WsWebSocket } from 'ws';
import type { ChatEvent, ChatMessage, KonnectNode } from '../../src/daemon/index.js';
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

/**
 * The page's directory for nodes that serve WebSockets to test pages under Node: the built page if
 * there is one; a node without it answers page requests 503, and its `/ws` works all the same.
 */
export const PAGE_ROOT = fileURLToPath(new URL('../../dist/web', import.meta.url));

/** The `ws://…/ws` address of a node started with `web` on 127.0.0.1. */
export function wsUrlOf(node: KonnectNode): string {
  return `ws://127.0.0.1:${node.status().port}/ws`;
}

/**
 * A WebSocket class for openTestPage that keeps every binary message the page sends (exactly what the
 * node receives on the page's link) in `sent`.
 */
export function recordingWebSocket(sent: Buffer[]): typeof WebSocket {
  class Recording extends WsWebSocket {
    override send(data: unknown, ...rest: unknown[]): void {
      if (data instanceof Uint8Array || data instanceof ArrayBuffer)
        sent.push(Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data));
      (super.send as (...a: unknown[]) => void)(data, ...rest);
    }
  }
  return Recording as unknown as typeof WebSocket;
}
