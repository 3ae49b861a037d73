/**
 * A browser's link played from Node: a `ws` WebSocket to a node's `/ws`, adapted to a Link (the same
 * adapter the node uses), completing the real hello / hello-ack with a node identity. The caller
 * destroys it (link.destroy()) when done.
 */
import WebSocket from 'ws';
import {
  generateIdentity,
  type Identity,
  Link,
  silentLogger,
  systemClock,
  WsLinkSocket,
} from '../../src/daemon/index.js';
import { waitForEvent } from './wait.js';

/**
 * Opens `ws://address/ws`. The adapter is made before the socket opens: a node sends its hello at
 * once, and a message emitted before anyone listens would be lost.
 */
export async function openWs(
  address: string,
  headers: Record<string, string> = {},
  localAddress?: string,
): Promise<{ ws: WebSocket; socket: WsLinkSocket }> {
  const ws = new WebSocket(`ws://${address}/ws`, { headers, maxPayload: 64 * 1024 * 1024, localAddress });
  const socket = new WsLinkSocket(ws, address);
  socket.on('error', () => undefined); // the close says what happened
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out opening ws://${address}/ws`)), 30_000);
    ws.once('open', () => (clearTimeout(timer), resolve()));
    ws.once(
      'unexpected-response',
      (_req, res) => (clearTimeout(timer), reject(new Error(`HTTP ${res.statusCode}`))),
    );
    ws.once('close', (code) => (clearTimeout(timer), reject(new Error(`closed ${code}`))));
  });
  return { ws, socket };
}

export async function wsLink(
  address: string,
  options: {
    identity?: Identity;
    nick?: string;
    rooms?: string[];
    port?: number;
    /** The local address to connect from (another 127.x.y.z plays another host). */
    localAddress?: string;
  } = {},
): Promise<Link> {
  const { socket } = await openWs(address, {}, options.localAddress);
  const link = new Link({
    socket,
    direction: 'outbound',
    identity: options.identity ?? generateIdentity(),
    hello: () => ({
      nick: options.nick ?? 'phone',
      port: options.port ?? 0,
      rooms: options.rooms ?? ['lobby'],
    }),
    clock: systemClock,
    logger: silentLogger,
  });
  const up = waitForEvent(link, 'up', `the WebSocket handshake with ${address}`, { timeoutMs: 30_000 });
  link.start();
  await up;
  return link;
}
