/**
 * Scenario 6: discovery over real mDNS, in network namespaces this scenario creates and removes
 * (tests/helpers/netns.ts: one bridge namespace, one namespace per node, nothing in the host's). Four
 * real `konnect daemon` processes start at once with mDNS on; what node 0 reports through its control
 * socket (the `konnect peers --json` call) gives: start → first link, start → all linked; then one peer
 * stopped with SIGINT and one killed with SIGKILL: signal → node 0 shows it unlinked / offline.
 * Needs Linux, root and `ip netns`; skipped with the reason otherwise. mDNS never runs outside them.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { ControlClient, dataFiles, type PeerInfo } from '../../src/daemon/index.js';
import { CLI_MAIN } from '../lib/daemon-process.js';
import { figure, type Figure } from '../lib/figures.js';
import type { BenchContext, Scenario, ScenarioOutput } from '../lib/scenario.js';
import { round } from '../lib/stats.js';
import { sleep } from '../lib/time.js';

const NODES = 4;

/** The part of tests/helpers/netns.ts used here (loaded at run time: it belongs to the mDNS work). */
interface NetnsHelpers {
  netnsAvailable(): { ok: boolean; why?: string };
  createTestNetwork(options: { nodes: number; prefix: string; subnet?: string }): {
    namespaces: { name: string; address: string }[];
    spawnIn(
      ns: string,
      cmd: string,
      args?: string[],
      options?: { stdio?: ('ignore' | 'pipe')[] },
    ): ChildProcess;
    destroy(): void;
  };
}

async function loadHelpers(): Promise<NetnsHelpers | string> {
  try {
    const mod = (await import(
      new URL('../../tests/helpers/netns.js', import.meta.url).href
    )) as Partial<NetnsHelpers>;
    if (typeof mod.createTestNetwork !== 'function' || typeof mod.netnsAvailable !== 'function') {
      return 'tests/helpers/netns.ts has no createTestNetwork/netnsAvailable';
    }
    return mod as NetnsHelpers;
  } catch (err) {
    return `tests/helpers/netns.js could not be loaded (${(err as Error).message})`;
  }
}

async function connectWhenUp(dir: string, timeoutMs: number): Promise<ControlClient> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await ControlClient.connect(dataFiles(dir).socket, 500);
    } catch (err) {
      if (performance.now() > deadline)
        throw new Error(`no control socket in ${dir}: ${(err as Error).message}`);
      await sleep(20);
    }
  }
}

/** Polls node 0's peer list until `check` holds; returns ms since `from`, or NaN after the timeout. */
async function watch(
  client: ControlClient,
  from: number,
  check: (peers: PeerInfo[]) => boolean,
  timeoutMs: number,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (check(await client.peers())) return performance.now() - from;
    await sleep(10);
  }
  return Number.NaN;
}

export const discoveryScenario: Scenario = {
  id: 'discovery',
  title: '6. Discovery over mDNS in network namespaces (4 real daemons)',
  async run(ctx: BenchContext): Promise<ScenarioOutput> {
    const helpers = await loadHelpers();
    if (typeof helpers === 'string') return { figures: [], skipped: helpers };
    const available = helpers.netnsAvailable();
    if (!available.ok) return { figures: [], skipped: available.why ?? 'network namespaces unavailable' };

    const network = helpers.createTestNetwork({ nodes: NODES, prefix: 'kbench' });
    const base = mkdtempSync(join(tmpdir(), 'konnect-bench-netns-'));
    const clients: ControlClient[] = [];
    const children: ChildProcess[] = [];
    try {
      const dirs = network.namespaces.map((_, i) => join(base, `d${i}`));
      const start = performance.now();
      network.namespaces.forEach((ns, i) => {
        const args = [CLI_MAIN, 'daemon', '--data-dir', dirs[i], '--nick', `d${i}`, '--log-level', 'warn'];
        children.push(
          network.spawnIn(ns.name, process.execPath, args, { stdio: ['ignore', 'ignore', 'ignore'] }),
        );
      });
      for (const dir of dirs) clients.push(await connectWhenUp(dir, 20_000));
      const socketsUp = performance.now() - start;
      const ids = await Promise.all(clients.map(async (c) => (await c.status()).id));
      const observer = clients[0];
      const linked = (peers: PeerInfo[], id: string) => peers.some((p) => p.id === id && p.linked);
      const others = ids.slice(1);
      const firstLink = await watch(observer, start, (p) => others.some((id) => linked(p, id)), 30_000);
      const allLinked = await watch(observer, start, (p) => others.every((id) => linked(p, id)), 30_000);

      const downAfter = async (index: number, signal: NodeJS.Signals) => {
        const id = ids[index];
        const t = performance.now();
        children[index].kill(signal);
        const unlinked = await watch(observer, t, (p) => !linked(p, id), 30_000);
        const offline = await watch(observer, t, (p) => !p.some((x) => x.id === id && x.online), 30_000);
        return { unlinked, offline };
      };
      const sigint = await downAfter(1, 'SIGINT');
      const sigkill = await downAfter(2, 'SIGKILL');

      // The same view through the real CLI, once: `konnect peers --json` on node 0.
      const cli = await promisify(execFile)(process.execPath, [
        CLI_MAIN,
        'peers',
        '--all',
        '--data-dir',
        dirs[0],
        '--json',
      ]).catch((err: Error) => ({ stdout: '', stderr: err.message }));
      let cliNote = 'konnect peers --json could not be read';
      try {
        const list = JSON.parse(cli.stdout) as PeerInfo[];
        const state = (i: number) => (list.find((p) => p.id === ids[i])?.linked ? 'linked' : 'not linked');
        cliNote = `konnect peers --all --json on d0 afterwards: d1 ${state(1)}, d2 ${state(2)}, d3 ${state(3)}`;
      } catch {
        // keep the default note
      }
      const figures: Figure[] = [
        figure(
          'start-control',
          'start → every daemon answers on its control socket',
          round(socketsUp, 0),
          'ms',
        ),
        figure('start-first-link', 'start → first link (seen by d0)', round(firstLink, 0), 'ms'),
        figure(
          'start-all-linked',
          `start → all ${NODES - 1} peers linked (seen by d0)`,
          round(allLinked, 0),
          'ms',
        ),
        figure('sigint-unlinked', 'SIGINT → peer unlinked', round(sigint.unlinked, 0), 'ms'),
        figure('sigint-offline', 'SIGINT → peer offline', round(sigint.offline, 0), 'ms'),
        figure('sigkill-unlinked', 'SIGKILL → peer unlinked', round(sigkill.unlinked, 0), 'ms'),
        figure('sigkill-offline', 'SIGKILL → peer offline', round(sigkill.offline, 0), 'ms'),
      ];
      return {
        figures,
        notes: [
          `${NODES} namespaces on one bridge; daemons started together with mDNS on; polled d0's peers() every 10 ms`,
          cliNote,
        ],
      };
    } finally {
      await Promise.allSettled(clients.map((c) => c.close()));
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await sleep(300);
      network.destroy();
      rmSync(base, { recursive: true, force: true });
      ctx.log('  test network removed');
    }
  },
};
