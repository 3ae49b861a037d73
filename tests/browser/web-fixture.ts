/**
 * The world of the browser tests: a serving node S that serves the built page and its WebSocket
 * itself (`createNode({ web: { root: dist/web } })`, the real web server of src/daemon/web) and a
 * terminal node T, both in-process on 127.0.0.1 with static peers and no mDNS. S's page keeps its
 * address across a restart of S (same data dir, same port). What S received from a page is read in
 * the browser itself (the DevTools protocol's WebSocket frame events), so no front stands between
 * the pages and S.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { TestMesh, type MeshNode } from '../helpers/mesh.js';
import { repo, type Closer } from './browser.js';

export const WEB_ROOT = join(repo, 'dist/web');

export class WebWorld {
  /** Every binary WebSocket message the recorded pages sent to S (one frame body each). */
  readonly toServing: Buffer[] = [];

  private constructor(readonly mesh: TestMesh) {}

  get serving(): MeshNode {
    return this.mesh.nodes[0];
  }
  get terminal(): MeshNode {
    return this.mesh.nodes[1];
  }
  /** The page's address as S reports it (127.0.0.1, S's mesh port). */
  get url(): string {
    const web = this.serving.node.status().web;
    if (!web) throw new Error('the serving node reports no web address');
    return web;
  }

  static async start(closer: Closer): Promise<WebWorld> {
    try {
      statSync(join(WEB_ROOT, 'index.html'));
    } catch {
      throw new Error('dist/web/index.html is missing: run `npm run build` (or `npm run build:web`) first');
    }
    const mesh = await TestMesh.start(2, {
      // Both nodes are 'dana' (two laptops of one person): the pages must tell them apart by fingerprint.
      nodeOptions: (i) => ({ nick: 'dana', ...(i === 0 ? { web: { root: WEB_ROOT } } : {}) }),
    });
    closer.add(() => mesh.destroy());
    await mesh.waitConnected(60_000);
    return new WebWorld(mesh);
  }

  /** Keeps every binary WebSocket message `page` sends from now on in `toServing`. */
  async record(page: Page): Promise<void> {
    const cdp = await page.createCDPSession();
    await cdp.send('Network.enable');
    cdp.on('Network.webSocketFrameSent', (e) => {
      // opcode 2: binary, payloadData in base64 (a text message would be refused by S anyway).
      const { opcode, payloadData } = e.response;
      this.toServing.push(Buffer.from(payloadData, opcode === 2 ? 'base64' : 'utf8'));
    });
  }

  /** Stops S as a killed node (every page link drops), keeping its data dir and port. */
  async stopServing(): Promise<void> {
    await this.mesh.stopNode(0);
  }

  /** Starts S again on its data dir and port, with T as its static peer. */
  async restartServing(): Promise<MeshNode> {
    const { dataDir, node } = this.serving;
    const port = node.status().port;
    return this.mesh.add({ dataDir, port, web: { root: WEB_ROOT } }, [this.terminal.address], 0);
  }

  /** Every file of S's data directory, read whole (the store, its WAL, the profile, files). */
  storedBytes(): Buffer[] {
    return readdirSync(this.serving.dataDir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(join(entry.parentPath, entry.name)));
  }
}
