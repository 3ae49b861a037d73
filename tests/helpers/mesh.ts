/**
 * An in-process test mesh: N real nodes over loopback TCP (port 0, 127.0.0.1, no mDNS), each with its
 * own temporary data directory, wired by static peers in a chosen topology. Used by the integration
 * tests and the benchmarks. Always call `destroy()` (it is idempotent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ChatEvent,
  type ChatMessage,
  createNode,
  type KonnectNode,
  type NodeComponents,
  type NodeOptions,
  QuietTurns,
  VerifyLoad,
} from '../../src/daemon/index.js';
import { StaticDiscovery } from '../../src/discovery/index.js';
import { waitFor } from './wait.js';

export interface MeshNode {
  index: number;
  node: KonnectNode;
  dataDir: string;
  /** Every message event this node emitted, in order. */
  received: ChatMessage[];
  events: ChatEvent[];
  address: string;
}

export interface MeshOptions {
  /** For node i, the indexes of earlier nodes it is given as --peer. @default line: [i - 1] */
  peersOf?: (i: number, n: number) => number[];
  nodeOptions?: (i: number) => Partial<NodeOptions>;
  /** Collaborators of node i beyond the shared ones (services with payload kinds of their own, say). */
  components?: (i: number) => NodeComponents;
  /** Keep data dirs (for restart tests) until destroy. */
  baseDir?: string;
  /**
   * Keep every event in `events` and `received`. The benchmarks turn it off: 50 nodes keeping every
   * message they see grow the heap by tens of MiB a run, and the GC pauses that costs land in the
   * latency tails they measure. @default true
   */
  record?: boolean;
}

export class TestMesh {
  readonly nodes: MeshNode[] = [];
  readonly baseDir: string;
  private destroyed = false;
  /** One quiet-turn scheduler and one set of load readings for every node here, as they share one event loop. */
  private readonly shared: NodeComponents = { quietTurns: new QuietTurns(), verifyLoad: new VerifyLoad() };

  constructor(
    baseDir?: string,
    private readonly record = true,
  ) {
    this.baseDir = baseDir ?? mkdtempSync(join(tmpdir(), 'konnect-mesh-'));
  }

  static async start(n: number, options: MeshOptions = {}): Promise<TestMesh> {
    const mesh = new TestMesh(options.baseDir, options.record ?? true);
    try {
      for (let i = 0; i < n; i++) {
        const peers = (options.peersOf ?? ((j) => (j > 0 ? [j - 1] : [])))(i, n).map(
          (p) => mesh.nodes[p].address,
        );
        await mesh.add({ ...options.nodeOptions?.(i) }, peers, i, options.components?.(i));
      }
    } catch (err) {
      await mesh.destroy();
      throw err;
    }
    return mesh;
  }

  /** Starts a node (a new one, or again on an existing data dir) with the given static peers. */
  async add(
    options: Partial<NodeOptions>,
    peers: string[],
    index = this.nodes.length,
    components: NodeComponents = {},
  ): Promise<MeshNode> {
    const dataDir = options.dataDir ?? join(this.baseDir, `node-${index}`);
    const node = createNode(
      {
        nick: `n${index}`,
        host: '127.0.0.1',
        port: 0,
        timings: { handshakeTimeoutMs: 3000 },
        ...options,
        dataDir,
      },
      {
        ...this.shared,
        ...components,
        discoveries: peers.length ? [new StaticDiscovery(peers)] : [],
      },
    );
    await node.start();
    const entry: MeshNode = {
      index,
      node,
      dataDir,
      received: [],
      events: [],
      address: `127.0.0.1:${node.status().port}`,
    };
    if (this.record) {
      node.on('event', (e) => {
        entry.events.push(e);
        if (e.type === 'message') entry.received.push(e.message);
      });
    }
    this.nodes[index] = entry;
    return entry;
  }

  /** Stops node i cleanly (its data dir stays for a restart). */
  async stopNode(i: number): Promise<void> {
    await this.nodes[i].node.stop();
  }

  async waitConnected(timeoutMs = 20_000): Promise<void> {
    const live = this.nodes.filter((m) => m.node.running);
    await waitFor(
      () =>
        live.every((m) => live.every((o) => o === m || m.node.peerTable.get(o.node.identity.idHex)?.xkey)),
      `all ${live.length} nodes to know every other node's key`,
      { timeoutMs },
    );
    await waitFor(() => isConnected(live), `the link graph of ${live.length} nodes to be connected`, {
      timeoutMs,
    });
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await Promise.allSettled(this.nodes.filter(Boolean).map((m) => m.node.stop()));
    rmSync(this.baseDir, { recursive: true, force: true });
  }
}

function isConnected(nodes: MeshNode[]): boolean {
  if (nodes.length === 0) return true;
  const ids = new Map(nodes.map((m) => [m.node.identity.idHex, m]));
  const seen = new Set<string>([nodes[0].node.identity.idHex]);
  const queue = [nodes[0]];
  while (queue.length) {
    const m = queue.pop()!;
    for (const link of m.node.links.links()) {
      const id = link.remoteIdHex!;
      if (!seen.has(id) && ids.has(id)) {
        seen.add(id);
        queue.push(ids.get(id)!);
      }
    }
  }
  return seen.size === nodes.length;
}
