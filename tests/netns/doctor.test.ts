/**
 * `konnect doctor` against real daemons inside network namespaces this test creates and removes:
 * a node alone is told what to do about having no peer; with a second node the interface carries
 * multicast both ways, our own advertisement is seen and the peer is listed with how it was found; a
 * node whose namespace lacks the 224.0.0.0/4 route is told exactly that, with the command that fixes
 * it, and its daemon logs that problem once; a peer killed with SIGKILL that no longer advertises is
 * listed as gone, with the reason, and is not a problem to fix (one that still advertises would be).
 * Also: the human form's key lines, and doctor without a daemon or with a bad --interface.
 *
 * doctor listens for fixed windows (1.5 s probes, a 3 s browse): on a loaded machine an answer can
 * miss a window, so a check that needs the network seen whole runs doctor again until it is (bounded).
 *
 * Under CI (CI=true) the suite must run; elsewhere, without root or `ip netns`, it skips and says why.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, DaemonProcess, netnsPrefix, runCli } from '../helpers/cli.js';
import { createTestNetwork, netnsAvailable, type TestNetwork } from '../helpers/netns.js';
import { waitFor } from '../helpers/wait.js';

interface DoctorProblemJson {
  problem: string;
  fix: string;
}

interface DoctorJson {
  dataDir: string;
  node: { id: string; nick: string; mdns: boolean } | null;
  interfaces: {
    interface: string;
    address?: string;
    usable: boolean;
    verdict?: string;
    ownQuerySeen?: boolean;
    others?: string[];
    error?: string;
  }[];
  routing?: { ownQuerySeen: boolean; error?: string };
  advertisements: { id: string; nick: string; addresses: string[] }[];
  ownAdvertisementSeen?: boolean;
  peers?: {
    id: string;
    nick: string;
    linked: boolean;
    foundBy: string[];
    state: string;
    why?: string;
    hint?: string;
  }[];
  problems: DoctorProblemJson[];
}

const availability = netnsAvailable();
const mustRun = process.env.CI === 'true';

if (!availability.ok && !mustRun) console.warn(`doctor netns tests skipped: ${availability.why}`);
if (!availability.ok && mustRun) {
  describe('konnect doctor in network namespaces', () => {
    it('can build network namespaces (required in CI)', () => {
      throw new Error(`netns tests must run in CI but cannot: ${availability.why}`);
    });
  });
}

const NICKS = ['ann', 'ben', 'cat'] as const;
/** Bound of a wait for what takes a second or a few doctor runs on an idle machine. */
const WAIT_MS = 60_000;
/** Bound of each test: above the sum of its waits. */
const TEST_MS = 180_000;
const SUBNET = '10.79.0';

describe.skipIf(!availability.ok)(
  `konnect doctor in network namespaces${availability.ok ? '' : ` (skipped: ${availability.why})`}`,
  () => {
    let network: TestNetwork | undefined;
    let tmp = '';
    const dirs: string[] = [];
    const ids: string[] = [];
    const daemons: (DaemonProcess | undefined)[] = [];

    const ns = (i: number) => network!.namespaces[i].name;

    function cli(i: number, args: string[], dataDir = dirs[i]) {
      // doctor's own waits are bounded (about 5 s in all); the process bound leaves room for a loaded machine.
      return runCli([...args, '--data-dir', dataDir], { prefix: netnsPrefix(ns(i)), timeoutMs: WAIT_MS });
    }

    async function doctorJson(i: number, dataDir = dirs[i]): Promise<DoctorJson> {
      const r = await cli(i, ['doctor', '--json'], dataDir);
      const report = JSON.parse(r.stdout) as DoctorJson;
      // Exit 1 exactly when doctor found something to fix, so scripts need not parse the report.
      expect(r.code, `doctor on ${NICKS[i]} exited ${r.code}: ${r.stderr}`).toBe(
        report.problems.length > 0 ? 1 : 0,
      );
      return report;
    }

    /** Runs doctor until `ready` holds for its report (its windows can miss an answer under load). */
    async function doctorUntil(i: number, ready: (d: DoctorJson) => boolean, what: string) {
      let last: DoctorJson | undefined;
      await waitFor(
        async () => {
          last = await doctorJson(i);
          return ready(last);
        },
        `doctor on ${NICKS[i]} to report ${what}`,
        { timeoutMs: WAIT_MS, intervalMs: 200 },
      ).catch((err: Error) => {
        throw new Error(`${err.message}; last report: ${JSON.stringify(last)}`);
      });
      return last!;
    }

    async function peersAll(i: number) {
      const r = await cli(i, ['peers', '--all', '--json']);
      if (r.code !== 0) throw new Error(`peers on ${NICKS[i]}: ${r.stderr}`);
      return JSON.parse(r.stdout) as {
        id: string;
        linked: boolean;
        foundBy: string[];
        lastError: string | null;
      }[];
    }

    async function start(i: number): Promise<DaemonProcess> {
      const daemon = new DaemonProcess(
        dirs[i],
        ['--nick', NICKS[i], '--port', '7420', '--log-level', 'info'],
        netnsPrefix(ns(i)),
      );
      daemons[i] = daemon;
      await daemon.waitForLog(/konnect daemon ready/, `${NICKS[i]} to log that it is ready`, {
        timeoutMs: WAIT_MS,
      });
      const r = await cli(i, ['status', '--json']);
      expect(r.code, r.stderr).toBe(0);
      ids[i] = (JSON.parse(r.stdout) as { id: string }).id;
      return daemon;
    }

    const problemsText = (d: DoctorJson) => d.problems.map((p) => `${p.problem} / fix: ${p.fix}`).join('\n');

    beforeAll(() => {
      if (!existsSync(cliPath)) {
        throw new Error(`${cliPath} is missing: build first with \`npx tsc -p .\` (npm test does)`);
      }
      tmp = mkdtempSync(join(tmpdir(), 'konnect-netns-doctor-'));
      network = createTestNetwork({ nodes: NICKS.length, prefix: 'kdoctor', subnet: SUBNET });
      for (const n of network.namespaces) {
        const links = execFileSync('ip', ['-n', n.name, '-o', 'link', 'show'], { encoding: 'utf8' })
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split(':')[1].trim().split('@')[0])
          .sort();
        expect(links, `links in ${n.name}`).toEqual(['lo', 'veth0']);
        expect(execFileSync('ip', ['netns', 'pids', n.name], { encoding: 'utf8' }).trim()).toBe('');
      }
      for (const nick of NICKS) dirs.push(join(tmp, nick));
    });

    afterAll(async () => {
      const names = network ? [network.bridgeNamespace, ...network.namespaces.map((n) => n.name)] : [];
      const started = daemons.filter((d): d is DaemonProcess => d !== undefined);
      try {
        for (const d of started) {
          if (d.child.exitCode === null && d.child.signalCode === null && d.pid !== undefined) {
            try {
              process.kill(d.pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }
        }
        await Promise.race([
          Promise.all(started.map((d) => d.exited)),
          new Promise((r) => setTimeout(r, 30_000)),
        ]);
      } finally {
        network?.destroy();
        if (tmp) rmSync(tmp, { recursive: true, force: true });
      }
      const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
      expect(
        names.filter((name) => left.includes(name)),
        'namespaces left behind',
      ).toEqual([]);
    });

    it(
      'a node alone: multicast works but nobody answers, and doctor says what to do',
      async () => {
        await start(0);
        const d = await doctorUntil(0, (r) => r.ownAdvertisementSeen === true, 'its own advertisement seen');
        expect(d.node?.id).toBe(ids[0]);
        const veth = d.interfaces.find((i) => i.interface === 'veth0')!;
        expect(veth).toMatchObject({
          usable: true,
          address: `${SUBNET}.1`,
          verdict: 'alone',
          ownQuerySeen: true,
        });
        expect(d.routing).toMatchObject({ ownQuerySeen: true });
        expect(d.ownAdvertisementSeen).toBe(true);
        expect(d.peers).toEqual([]);
        expect(problemsText(d)).toMatch(/no other konnect node answered/);
        expect(problemsText(d)).toMatch(/--peer HOST:7420/);
      },
      TEST_MS,
    );

    it(
      'with a second node: multicast both ways, own advertisement seen, the peer and how it was found',
      async () => {
        await start(1);
        await waitFor(
          async () => {
            const peers = await peersAll(0);
            const ben = peers.find((p) => p.id === ids[1]);
            return ben?.linked && ben.foundBy.includes('mdns');
          },
          'ann to be linked to ben, found by mDNS',
          { timeoutMs: WAIT_MS, intervalMs: 200 },
        );
        const d = await doctorUntil(
          0,
          (r) => r.advertisements.length === 2 && r.interfaces.some((i) => i.verdict === 'ok'),
          'both advertisements and packets from ben',
        );
        const veth = d.interfaces.find((i) => i.interface === 'veth0')!;
        expect(veth.verdict).toBe('ok');
        expect(veth.others).toContain(`${SUBNET}.2`);
        expect(d.routing).toMatchObject({ ownQuerySeen: true });
        expect(d.ownAdvertisementSeen).toBe(true);
        expect(d.advertisements.map((a) => a.id).sort()).toEqual([ids[0], ids[1]].sort());
        expect(d.advertisements.find((a) => a.id === ids[1])!.addresses).toContain(`${SUBNET}.2:7420`);
        expect(d.peers).toHaveLength(1);
        expect(d.peers![0]).toMatchObject({ id: ids[1], nick: 'ben', linked: true, state: 'linked' });
        expect(d.peers![0].foundBy).toContain('mdns');
        expect(d.problems, problemsText(d)).toEqual([]);

        // The human form, once: the key lines a person reads.
        let text = '';
        await waitFor(
          async () => {
            const human = await cli(0, ['doctor']);
            expect(human.code, human.stderr).toBe(0);
            text = human.stdout;
            return /^no problem found$/m.test(text);
          },
          'the human form to find no problem',
          { timeoutMs: WAIT_MS, intervalMs: 200 },
        );
        expect(text).toMatch(/^node: ann \([a-z0-9-]+\) listening on 0\.0\.0\.0:7420, 1 link, mDNS on$/m);
        expect(text).toMatch(
          new RegExp(
            `^  veth0 ${SUBNET.replace(/\./g, '\\.')}\\.1: multicast works \\(our query came back; packets from ${SUBNET.replace(/\./g, '\\.')}\\.2\\)$`,
            'm',
          ),
        );
        expect(text).toMatch(/^  without --interface \(routing table\): sending works$/m);
        expect(text).toMatch(/^konnect nodes advertising on the network: 2$/m);
        expect(text).toMatch(/^  ann [0-9a-f]{12} at .*\(this node\)$/m);
        expect(text).toMatch(/^our own advertisement is seen: other nodes can find this one$/m);
        expect(text).toMatch(/^  ben \([a-z0-9-]+\) found by [a-z, ]*mdns[a-z, ]*; linked \(\d+ ms\)$/m);
        expect(text).toMatch(/^no problem found$/m);
      },
      TEST_MS,
    );

    it(
      'a namespace without the 224.0.0.0/4 route: doctor names the missing route and the command that adds it',
      async () => {
        const del = await network!.exec(ns(2), 'ip', ['route', 'del', '224.0.0.0/4']);
        expect(del.code, del.stderr).toBe(0);
        const routes = await network!.exec(ns(2), 'ip', ['route', 'show']);
        expect(routes.stdout).not.toMatch(/224\.0\.0\.0/);
        await start(2);
        // It hears the others (their re-queries are answered by multicast), so it still links to them.
        await waitFor(
          async () => {
            const peers = await peersAll(2);
            return [0, 1].every((j) => peers.find((p) => p.id === ids[j])?.linked);
          },
          'cat to link to ann and ben although it cannot send multicast',
          { timeoutMs: WAIT_MS, intervalMs: 250 },
        );
        // The daemon says it once: not again from each layer, not at every retry of multicast-dns.
        const cat = daemons[2]!;
        await cat.waitForLog(/mDNS cannot send/, 'cat to log that mDNS cannot send', { timeoutMs: WAIT_MS });
        expect(
          cat.logMatches(/mDNS cannot send/).map((l) => l.line),
          'the problem logged once',
        ).toHaveLength(1);
        const d = await doctorUntil(
          2,
          (r) => r.advertisements.length === 2,
          'the advertisements of ann and ben',
        );
        expect(d.routing?.ownQuerySeen).toBe(false);
        expect(d.routing?.error).toMatch(/ENETUNREACH/);
        expect(d.ownAdvertisementSeen, 'cat cannot send, so its advertisement is not seen').toBe(false);
        // Browsing through veth0, doctor still lists the two nodes that can be found.
        expect(d.advertisements.map((a) => a.id).sort()).toEqual([ids[0], ids[1]].sort());
        const text = problemsText(d);
        expect(text).toMatch(/no route for multicast/);
        expect(text).toMatch(/ip route add 224\.0\.0\.0\/4 dev veth0/);
        expect(text).toMatch(/--interface veth0/);
        expect(text).toMatch(/advertisement did not reach the network/);
      },
      TEST_MS,
    );

    it(
      'a peer killed with SIGKILL: found, not linked, with the reason and what it means',
      async () => {
        const ben = daemons[1]!;
        ben.child.kill('SIGKILL');
        await ben.exited;
        // ann redials ben (it was found, and rediscovery or the overlay asks for it): the port is closed.
        await waitFor(
          async () => {
            const entry = (await peersAll(0)).find((p) => p.id === ids[1]);
            return entry && !entry.linked && /refused/.test(entry.lastError ?? '');
          },
          "ann's peers --all to show ben unlinked with 'refused'",
          { timeoutMs: WAIT_MS, intervalMs: 200 },
        );
        // Gone can only be told when the browse saw the network whole (our own advertisement in it).
        const d = await doctorUntil(0, (r) => r.ownAdvertisementSeen === true, 'its own advertisement seen');
        expect(d.advertisements.map((a) => a.id)).not.toContain(ids[1]);
        const entry = d.peers!.find((p) => p.id === ids[1])!;
        expect(entry).toMatchObject({ nick: 'ben', linked: false, state: 'gone', why: 'refused' });
        expect(entry.foundBy).toContain('mdns');
        expect(entry.hint).toMatch(/no longer advertises on the network/);
        // A peer that left is not a problem for this user to fix.
        expect(problemsText(d)).not.toMatch(/ben/);
        expect(d.peers!.find((p) => p.id === ids[2])).toMatchObject({ linked: true });
        const human = await cli(0, ['doctor']);
        expect(human.stdout).toMatch(
          /^  ben \([a-z0-9-]+\) found by [a-z, ]*; gone: offline and no longer advertising/m,
        );
      },
      TEST_MS,
    );

    it(
      'without a daemon it checks the network only; a bad --interface is a usage error',
      async () => {
        const d = await doctorJson(2, join(tmp, 'nobody'));
        expect(d.node).toBeNull();
        expect(problemsText(d)).toMatch(/no konnect node runs for .*nobody/);
        expect(d.interfaces.find((i) => i.interface === 'veth0')).toMatchObject({ usable: true });
        const bad = await cli(2, ['doctor', '--interface', 'nosuch0']);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toMatch(/bad --interface "nosuch0": no such interface/);
      },
      TEST_MS,
    );
  },
);
