/**
 * A WebSocket-to-TCP bridge for browser-peer tests: a `ws` server on 127.0.0.1 (port 0) at /ws whose
 * each connection is piped to a node's TCP port, adding the 4-byte length prefix to each binary
 * WebSocket message and stripping it from each frame the node sends (the binding of PROTOCOL.md §18).
 * It keeps every byte the node received through it (to show that no plaintext passed), and lets a
 * test push a frame body of its own to the page as if the node had sent it. Always call close().
 */
import { connect, type Socket } from 'node:net';
import { type AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

interface Pipe {
  ws: WebSocket;
  tcp: Socket;
}

export class WsBridge {
  /** Every byte the node received from pages through the bridge. */
  readonly toNode: Buffer[] = [];
  /** Every frame body the pages received from the node. */
  readonly toPage: Buffer[] = [];
  private readonly pipes = new Set<Pipe>();

  private constructor(
    private readonly server: WebSocketServer,
    public target: number,
  ) {
    server.on('connection', (ws) => this.pipe(ws));
  }

  /** A bridge to the node listening on `port` of 127.0.0.1. */
  static async start(port: number): Promise<WsBridge> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws' });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    return new WsBridge(server, port);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** Connections open now. */
  get open(): number {
    return this.pipes.size;
  }

  /** Sends `body` to every page as one frame from the node. */
  inject(body: Uint8Array): void {
    for (const { ws } of this.pipes) ws.send(body);
  }

  /** Drops every connection at once (as if the node went away). */
  dropAll(): void {
    for (const { ws, tcp } of this.pipes) {
      ws.terminate();
      tcp.destroy();
    }
    this.pipes.clear();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pipe(ws: WebSocket): void {
    const tcp = connect({ host: '127.0.0.1', port: this.target });
    const entry = { ws, tcp };
    this.pipes.add(entry);
    const end = () => {
      if (!this.pipes.delete(entry)) return;
      ws.close();
      tcp.destroy();
    };
    const early: Buffer[] = [];
    let connected = false;
    tcp.on('connect', () => {
      connected = true;
      for (const chunk of early) tcp.write(chunk);
      early.length = 0;
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return end();
      const frame = Buffer.alloc(4 + data.length);
      frame.writeUInt32BE(data.length, 0);
      data.copy(frame, 4);
      this.toNode.push(frame);
      if (connected) tcp.write(frame);
      else early.push(frame);
    });
    let buffered = Buffer.alloc(0);
    tcp.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const length = buffered.readUInt32BE(0);
        if (buffered.length < 4 + length) break;
        const body = buffered.subarray(4, 4 + length);
        this.toPage.push(Buffer.from(body));
        if (ws.readyState === ws.OPEN) ws.send(body);
        buffered = buffered.subarray(4 + length);
      }
    });
    tcp.on('error', end);
    tcp.on('close', end);
    ws.on('close', end);
    ws.on('error', end);
  }
}
