/**
 * The web side of the mesh port. Every inbound connection is sorted by its first byte: 0x00 starts
 * a konnect frame (a 4-byte length under the frame limit) and goes to the link manager as before;
 * an uppercase ASCII letter starts an HTTP request and goes to node:http (static files, and `/ws`
 * upgraded to a WebSocket that becomes a leaf link); anything else is closed. Every stage is
 * bounded: connections in all and per address, the time to the first byte and to a request head, the
 * head's size, idle HTTP time, WebSockets in all and per address, message size, and handshakes (the
 * link manager's gate, shared with TCP).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { LinkManager } from '../links/index.js';
import type { Logger } from '../logger.js';
import { AddressSlots } from './address-slots.js';
import { serveStatic, sendPlain, SECURITY_HEADERS } from './static-files.js';
import type { WebLimits } from './web-options.js';
import { WS_CLOSE, WsLinkSocket } from './ws-link-socket.js';

export const WS_PATH = '/ws';

/** The first byte of a konnect frame: a length under 16 MiB. */
const KONNECT_FIRST_BYTE = 0x00;

export class WebServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly connections: AddressSlots;
  private readonly webSockets: AddressSlots;
  /** Sockets this side holds (sorting, HTTP, WebSocket), destroyed when the node stops. */
  private readonly sockets = new Set<Socket>();
  private stopped = false;

  constructor(
    private readonly root: string,
    private readonly links: LinkManager,
    private readonly limits: WebLimits,
    private readonly logger: Logger,
    /** Whether `host:port` is another node of the mesh (its page may move here: PROTOCOL.md §18). */
    private readonly knownNode: (hostPort: string) => boolean = () => false,
  ) {
    this.connections = new AddressSlots(limits.maxConnections, limits.maxConnectionsPerAddress);
    this.webSockets = new AddressSlots(limits.maxWebSockets, limits.maxWebSocketsPerAddress);
    this.http = createServer(
      { maxHeaderSize: limits.maxHeaderBytes, keepAliveTimeout: 5000, requestTimeout: 30_000 },
      (req, res) => {
        serveStatic(this.root, req, res).catch((err) => {
          this.logger.warn('web: a request failed', { error: (err as Error).message });
          if (!res.headersSent) sendPlain(res, 500, 'internal error');
          else res.destroy();
        });
      },
    );
    this.http.on('request', (req: IncomingMessage) =>
      clearTimeout((req.socket as Socket & { headDeadline?: NodeJS.Timeout }).headDeadline),
    );
    // node:http closes an idle connection (the timer restarts on every byte).
    this.http.timeout = limits.idleTimeoutMs;
    this.http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: limits.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  /** The connections this side counts, for tests and status. */
  get counts(): { connections: number; webSockets: number } {
    return { connections: this.connections.size, webSockets: this.webSockets.size };
  }

  /**
   * An inbound connection of the mesh port, not yet read. Every connection takes a slot of
   * `connections` until it is sorted as konnect or closes; a WebSocket also takes one of `webSockets`.
   */
  sort(socket: Socket): void {
    const source = socket.remoteAddress ?? '?';
    const release = this.stopped ? null : this.connections.take(source);
    if (!release) {
      socket.destroy();
      return;
    }
    this.track(socket);
    socket.on('error', () => undefined); // a reset while sorting is only a close
    socket.once('close', release);
    const deadline = setTimeout(() => socket.destroy(), this.limits.headTimeoutMs);
    deadline.unref();
    socket.once('close', () => clearTimeout(deadline));
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      const first = chunk[0];
      if (first === KONNECT_FIRST_BYTE) {
        clearTimeout(deadline);
        release();
        this.sockets.delete(socket);
        this.links.acceptLink(socket); // the link's own handshake timeout takes over
        socket.resume();
      } else if (first >= 0x41 && first <= 0x5a) {
        // The head must be complete within the deadline (a slow-loris holds no slot for long);
        // 'request' and 'upgrade' clear it.
        (socket as Socket & { headDeadline?: NodeJS.Timeout }).headDeadline = deadline;
        this.http.emit('connection', socket);
        socket.resume();
      } else {
        socket.destroy();
      }
    });
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    clearTimeout((socket as Socket & { headDeadline?: NodeJS.Timeout }).headDeadline);
    const refuse = (status: number, text: string) => {
      const body = `${text}\n`;
      const headers = Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`);
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n${headers.join('')}\r\n${body}`,
      );
      socket.destroySoon?.();
    };
    const path = (req.url ?? '').split('?')[0];
    if (path !== WS_PATH) return refuse(404, 'Not Found');
    if (!originAllowed(req, this.knownNode)) return refuse(403, 'Forbidden');
    const source = socket.remoteAddress ?? '?';
    const release = this.stopped ? null : this.webSockets.take(source);
    if (!release) return refuse(503, 'Service Unavailable');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.once('close', release);
      const adapted = new WsLinkSocket(ws, source);
      if (!this.links.acceptLeaf(adapted, source)) {
        adapted.close(WS_CLOSE.tryAgainLater, 'too many handshakes in flight');
        return;
      }
    });
  }

  /** Drops every connection this side holds (the links' own, WebSocket ones too, close with them). */
  stop(): void {
    this.stopped = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.http.close();
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }
}

/**
 * A browser's WebSocket from another site's page is refused (a web site must not use a visitor's
 * browser to read the LAN's rooms): when an Origin is sent, its host:port must be the Host the request
 * was sent to, or the address of another node of the mesh (a page that moved here when its own node
 * went away). A client that sends no Origin (not a browser) is let in.
 */
export function originAllowed(
  req: IncomingMessage,
  knownNode: (hostPort: string) => boolean = () => false,
): boolean {
  const host = req.headers.host;
  if (!host) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return url.host.toLowerCase() === host.toLowerCase() || knownNode(url.host.toLowerCase());
  } catch {
    return false;
  }
}
