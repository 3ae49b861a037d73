/**
 * Scenario 5: history that converges.
 * (a) Catch-up: two linked nodes; one stops; 10,000 messages are written to the other's history; the
 *     stopped node restarts: the time from its restart to holding all of them (reconcile, transfer,
 *     verify every signature, store).
 * (b) Reconciliation bytes: two nodes that share 100,000 messages and differ by 10 (5 on each side,
 *     scattered through the whole time range, the hard case for range digests) link through a counting
 *     proxy: the bytes of sync frames on the wire until both hold the union.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  dataFiles,
  ensureDataDir,
  generateIdentity,
  HistoryStore,
  type StoredMessage,
} from '../../src/daemon/index.js';
import { TestMesh } from '../../tests/helpers/mesh.js';
import { signedChats } from '../lib/chat.js';
import { CountingProxy } from '../lib/counting-proxy.js';
import { atMost, figure, type Figure } from '../lib/figures.js';
import type { BenchContext, Scenario, ScenarioOutput } from '../lib/scenario.js';
import { round } from '../lib/stats.js';
import { mustReach, until } from '../lib/time.js';

const SCOPE = 'room:lobby';
/** Room for the whole pre-filled history (the default retention keeps 100,000 per room). */
const STORE = { maxMessagesPerScope: 1_000_000 };

export async function catchUp(count: number): Promise<Figure[]> {
  const mesh = await TestMesh.start(2, { nodeOptions: () => ({ store: STORE }) });
  try {
    await mesh.waitConnected();
    const a = mesh.nodes[0];
    const bDir = mesh.nodes[1].dataDir;
    await mesh.stopNode(1);
    // Written while B is away (straight into A's history: as if A's users and the mesh had sent them).
    const author = generateIdentity();
    const startTs = Date.now() - count * 5;
    for (let first = 0; first < count; first += 5000) {
      a.node.store.insertMany(
        signedChats(author, Math.min(5000, count - first), {
          startTs: startTs + first * 5,
          stepMs: 5,
          first,
        }),
      );
    }
    const t0 = performance.now();
    let linkUpAt = 0;
    const b = await mesh.add({ dataDir: bDir, store: STORE }, [a.address], 1);
    b.node.on('event', (e) => {
      if (e.type === 'link:up' && linkUpAt === 0) linkUpAt = performance.now();
    });
    await mustReach(
      () => b.node.store.count(SCOPE) >= count,
      `the returning node to hold ${count} messages`,
      {
        timeoutMs: 120_000,
        intervalMs: 5,
      },
    );
    const total = performance.now() - t0;
    const label = count.toLocaleString('en-US');
    return [
      figure('catch-up', `catch-up of ${label} messages (restart → holding all)`, round(total, 1), 'ms', {
        target: count >= 10_000 ? atMost(1000) : undefined,
      }),
      figure(
        'catch-up-link',
        'of which restart → link up',
        round((linkUpAt || performance.now()) - t0, 1),
        'ms',
      ),
      figure(
        'catch-up-rate',
        'catch-up rate after link up',
        Math.round(count / ((t0 + total - linkUpAt) / 1000)),
        'msg/s',
      ),
    ];
  } finally {
    await mesh.destroy();
  }
}

function prefill(dir: string, messages: StoredMessage[]): void {
  ensureDataDir(dir);
  const store = HistoryStore.open(dataFiles(dir).history, { synchronous: 'NORMAL', ...STORE });
  try {
    for (let i = 0; i < messages.length; i += 10_000) store.insertMany(messages.slice(i, i + 10_000));
  } finally {
    store.close();
  }
}

export async function reconciliationBytes(shared: number): Promise<{ figures: Figure[]; notes: string[] }> {
  const base = mkdtempSync(join(tmpdir(), 'konnect-bench-sync-'));
  const mesh = new TestMesh(base);
  let proxy: CountingProxy | null = null;
  try {
    const author = generateIdentity();
    const stepMs = 10;
    const startTs = Date.now() - shared * stepMs - 60_000;
    const common = signedChats(author, shared, { startTs, stepMs });
    // The 10 that differ: scattered over the whole range, 5 only on A and 5 only on B.
    const extra = Array.from(
      { length: 10 },
      (_, k) =>
        signedChats(author, 1, {
          startTs: startTs + Math.floor(((k + 0.5) / 10) * shared) * stepMs + 3,
          first: shared + k,
        })[0],
    );
    const aDir = join(base, 'node-0');
    const bDir = join(base, 'node-1');
    prefill(aDir, [...common, ...extra.filter((_, k) => k % 2 === 0)]);
    prefill(bDir, [...common, ...extra.filter((_, k) => k % 2 === 1)]);
    const a = await mesh.add({ dataDir: aDir, store: STORE }, [], 0);
    proxy = new CountingProxy(a.node.status().port);
    await proxy.start();
    const t0 = performance.now();
    const b = await mesh.add({ dataDir: bDir, store: STORE }, [`127.0.0.1:${proxy.port}`], 1);
    const want = shared + 10;
    await mustReach(
      () => a.node.store.count(SCOPE) >= want && b.node.store.count(SCOPE) >= want,
      `both nodes to hold ${want} messages`,
      { timeoutMs: 120_000, intervalMs: 5 },
    );
    const converged = performance.now() - t0;
    // The last sync frames (the done of each scope) may trail the data: wait for 500 ms of silence.
    await until(() => performance.now() - proxy!.lastSyncAt > 500, { timeoutMs: 10_000, intervalMs: 50 });
    const isSync = (k: string) => k.startsWith('sync');
    const syncBytes = proxy.bytes(isSync);
    const label = shared.toLocaleString('en-US');
    const perKind = [...proxy.counts.byKind]
      .filter(([k]) => isSync(k))
      .map(([k, n]) => `${k} ${n.toLocaleString('en-US')} B/${proxy!.counts.framesByKind.get(k)}`)
      .join(', ');
    const figures = [
      figure('reconcile-bytes', `reconciliation bytes, ${label} shared, 10 differ`, syncBytes, 'B', {
        note: `sync frames by kind (bytes/frames): ${perKind}`,
      }),
      figure('reconcile-frames', 'reconciliation frames', proxy.frames(isSync), 'frames'),
      figure(
        'reconcile-link-bytes',
        'all bytes on the link meanwhile (handshake, peers, presence, pings)',
        proxy.counts.total,
        'B',
      ),
      figure('reconcile-time', 'link → both hold the union', round(converged, 1), 'ms'),
    ];
    const notes = [
      `for scale: the ids alone of ${label} messages are ${(shared * 16).toLocaleString('en-US')} B; the 10 messages themselves are ~${(10 * 380).toLocaleString('en-US')} B`,
    ];
    return { figures, notes };
  } finally {
    await proxy?.stop();
    await mesh.destroy();
    rmSync(base, { recursive: true, force: true });
  }
}

export const catchUpScenario: Scenario = {
  id: 'catch-up',
  title: '5. Catch-up after a node returns; reconciliation bytes',
  async run(ctx: BenchContext): Promise<ScenarioOutput> {
    const count = ctx.quick ? 2000 : 10_000;
    const shared = ctx.quick ? 10_000 : 100_000;
    ctx.log(`  catch-up of ${count} messages`);
    const figures = await catchUp(count);
    ctx.log(`  reconciliation of ${shared} shared messages differing by 10`);
    const r = await reconciliationBytes(shared);
    return { figures: [...figures, ...r.figures], notes: r.notes };
  },
};
