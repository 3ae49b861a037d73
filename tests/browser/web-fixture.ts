/**
 * The world of the browser tests: a serving node S and a terminal node T (in-process nodes on
 * 127.0.0.1, static peers, no mDNS), and the page of S at an address that stays the same across a
 * restart of S (same data dir, same port). Pages reach S's WebSocket through a recording front (the
 * binding of PROTOCOL.md §18: one frame body per binary message) that keeps every byte S received
 * from pages, so a test can show that no plaintext of a direct message reached S.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { extname, join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { TestMesh, type MeshNode } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';
import { CSP, repo, type Closer } from './browser.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export const WEB_ROOT = join(repo, 'dist/web');

export class WebWorld {
  /** While true, pages' WebSocket connections are closed at once (S is not up for them yet). */
  holding = false;
  /** Every frame body S received from pages. */
  readonly toServing: Buffer[] = [];
  private readonly sockets = new Set<WebSocket>();
  private readonly tcps = new Set<Socket>();
  private constructor(
    readonly mesh: TestMesh,
    private readonly http: Server,
    private readonly wss: WebSocketServer,
  ) {}

  get serving(): MeshNode {
    return this.mesh.nodes[0];
  }
  get terminal(): MeshNode {
    return this.mesh.nodes[1];
  }
  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}/`;
  }

  static async start(closer: Closer): Promise<WebWorld> {
    try {
      statSync(join(WEB_ROOT, 'index.html'));
    } catch {
      throw new Error('dist/web/index.html is missing: run `npm run build` (or `npm run build:web`) first');
    }
    const mesh = await TestMesh.start(2);
    closer.add(() => mesh.destroy());
    await mesh.waitConnected(60_000);
    const http = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const name = path === '/' ? 'index.html' : path.slice(1);
      if (!/^[\w.-]+$/.test(name)) return void res.writeHead(404).end();
      try {
        const body = readFileSync(join(WEB_ROOT, name));
        res.writeHead(200, {
          'content-type': TYPES[extname(name)] ?? 'application/octet-stream',
          'content-security-policy': CSP,
          'cache-control': 'no-store',
        });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    const wss = new WebSocketServer({ server: http, path: '/ws' });
    const world = new WebWorld(mesh, http, wss);
    wss.on('connection', (ws) => world.pipe(ws));
    await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
    closer.add(() => world.closeFront());
    return world;
  }

  /** Stops S (as a killed node: every page link drops), keeping its data dir and port. */
  async stopServing(): Promise<void> {
    this.holding = true;
    for (const ws of this.sockets) ws.terminate();
    await this.mesh.stopNode(0);
  }

  /**
   * Starts S again on its data dir and port; pages reach it once `ready` holds for it (say, once it
   * caught up from T), so that what the page then gets it gets from S by sync.
   */
  async restartServing(ready: (s: MeshNode) => unknown = () => true): Promise<MeshNode> {
    const { dataDir, node } = this.serving;
    const port = node.status().port;
    const back = await this.mesh.add({ dataDir, port }, [this.terminal.address], 0);
    await waitFor(() => ready(back), 'the restarted serving node to be ready', { timeoutMs: 60_000 });
    this.holding = false;
    return back;
  }

  /** Every file of S's data directory, read whole (the store, its WAL, the profile). */
  storedBytes(): Buffer[] {
    const walk = (dir: string): Buffer[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? walk(path) : [readFileSync(path)];
      });
    return walk(this.serving.dataDir);
  }

  private async closeFront(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    for (const tcp of this.tcps) tcp.destroy();
    await new Promise<void>((ok) => this.wss.close(() => ok()));
    await new Promise<void>((ok) => {
      this.http.close(() => ok());
      this.http.closeAllConnections();
    });
  }

  private pipe(ws: WebSocket): void {
    if (this.holding) return void ws.terminate();
    const tcp = connect({ host: '127.0.0.1', port: this.serving.node.status().port });
    this.sockets.add(ws);
    this.tcps.add(tcp);
    const end = () => {
      this.sockets.delete(ws);
      this.tcps.delete(tcp);
      ws.terminate();
      tcp.destroy();
    };
    const early: Buffer[] = [];
    let connected = false;
    tcp.on('connect', () => {
      connected = true;
      for (const chunk of early) tcp.write(chunk);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return end();
      this.toServing.push(Buffer.from(data));
      const frame = Buffer.alloc(4 + data.length);
      frame.writeUInt32BE(data.length, 0);
      data.copy(frame, 4);
      if (connected) tcp.write(frame);
      else early.push(frame);
    });
    let buffered = Buffer.alloc(0);
    tcp.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const length = buffered.readUInt32BE(0);
        if (buffered.length < 4 + length) break;
        if (ws.readyState === ws.OPEN) ws.send(buffered.subarray(4, 4 + length));
        buffered = buffered.subarray(4 + length);
      }
    });
    tcp.on('error', end);
    tcp.on('close', end);
    ws.on('close', end);
    ws.on('error', end);
  }
}
