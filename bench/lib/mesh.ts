/**
 * Benchmark meshes: N in-process nodes (tests/helpers/mesh.ts) whose static peers are exactly the
 * overlay's links. Identities are made before the nodes start, so every node's desired peers are known
 * up front and the graph is the settled overlay from the first second, instead of a line that the
 * overlay reshapes over ~20 s (links it no longer wants are pruned only after 15 s).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dataFiles,
  desiredPeers,
  ensureDataDir,
  loadOrCreateIdentity,
  type NodeOptions,
} from '../../src/daemon/index.js';
import { TestMesh } from '../../tests/helpers/mesh.js';
import { mustReach } from './time.js';

export interface BenchMeshOptions {
  /** Overlay degree; a degree >= n - 1 is a full mesh (every node floods to every other). @default 6 */
  degree?: number;
  nodeOptions?: Partial<NodeOptions>;
  timeoutMs?: number;
}

export interface BenchMesh {
  mesh: TestMesh;
  n: number;
  degree: number;
  /** Links each node is expected to hold (either end wants it). */
  expectedLinks: number[];
  destroy(): Promise<void>;
}

export async function startBenchMesh(n: number, options: BenchMeshOptions = {}): Promise<BenchMesh> {
  const degree = options.degree ?? 6;
  const baseDir = mkdtempSync(join(tmpdir(), 'konnect-bench-'));
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const dir = join(baseDir, `node-${i}`);
    ensureDataDir(dir);
    ids.push(loadOrCreateIdentity(dataFiles(dir).identity).idHex);
  }
  const wants = ids.map((id) => desiredPeers(id, ids, { degree }));
  const linked = (i: number, j: number) => wants[i].has(ids[j]) || wants[j].has(ids[i]);
  const expectedLinks = ids.map((_, i) => ids.filter((_, j) => j !== i && linked(i, j)).length);
  const full = degree >= n - 1;
  const mesh = await TestMesh.start(n, {
    baseDir,
    record: false,
    // Each node dials the earlier nodes it shares a link with; later ones dial it.
    peersOf: (i) => Array.from({ length: i }, (_, j) => j).filter((j) => linked(i, j)),
    nodeOptions: () => ({
      degree,
      // The default cap (32 links) would stop a 50-node full mesh short of complete.
      maxLinks: full ? Math.max(64, n + 8) : undefined,
      // Setup only, never measured: the smoke test runs beside the rest of `npm test` on a busy machine.
      timings: { handshakeTimeoutMs: 30_000 },
      ...options.nodeOptions,
    }),
  });
  const bench: BenchMesh = { mesh, n, degree, expectedLinks, destroy: () => mesh.destroy() };
  try {
    // A 50-node full mesh (1,225 handshakes in one process) took over 60 s at load 15.
    const timeoutMs = options.timeoutMs ?? 300_000;
    await mesh.waitConnected(timeoutMs);
    await mustReach(
      () => mesh.nodes.every((m, i) => m.node.links.links().length >= expectedLinks[i]),
      `every node of the ${n}-node mesh to hold its overlay links`,
      { timeoutMs, intervalMs: 50 },
    );
  } catch (err) {
    await mesh.destroy();
    throw err;
  }
  return bench;
}

export function linkCounts(bench: BenchMesh): number[] {
  return bench.mesh.nodes.map((m) => m.node.links.links().length);
}
