/**
 * Real `konnect daemon` processes, one per network namespace, on one bridge, with no --peer flags:
 * everything they know of each other comes from mDNS. Shown here: all four find and link to each
 * other; a message sent on one reaches all; a node stopped with SIGINT, and one killed with SIGKILL,
 * leave the others' online peer list; both, restarted with the same data directory (same id), are
 * found and linked again and catch up on what was written while they were down.
 *
 * The namespaces exist only for this file (tests/helpers/netns.ts); mDNS never touches this machine's
 * own interfaces. Times are printed (console.log), never asserted: every bound here is a safety net
 * that holds with room on a 2-core machine at load 15. How fast a stopped or killed node goes offline
 * is a figure of `npm run bench` (discovery: sigint-offline, sigkill-offline), measured in-process.
 * Under CI (CI=true) the suite must run; elsewhere, without root or `ip netns`, it skips and says why.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, DaemonProcess, netnsPrefix, runCli } from '../helpers/cli.js';
import { createTestNetwork, netnsAvailable, type TestNetwork } from '../helpers/netns.js';
import { waitFor } from '../helpers/wait.js';

interface PeerJson {
  id: string;
  nick: string;
  linked: boolean;
  online: boolean;
  foundBy: string[];
  addresses: string[];
  rttMs: number | null;
  lastError: string | null;
}

interface MessageJson {
  id: string;
  room?: string;
  from: string;
  nick: string;
  text: string;
  via: 'local' | 'live' | 'sync';
}

const availability = netnsAvailable();
const mustRun = process.env.CI === 'true';

if (!availability.ok && !mustRun) console.warn(`daemon netns tests skipped: ${availability.why}`);
if (!availability.ok && mustRun) {
  describe('konnect daemons discovering each other in network namespaces', () => {
    it('can build network namespaces (required in CI)', () => {
      throw new Error(`netns tests must run in CI but cannot: ${availability.why}`);
    });
  });
}

const NICKS = ['ann', 'ben', 'cat', 'dan'] as const;
const PORT = 7420;
/** Bound of each wait for what takes milliseconds to a few seconds on an idle machine. */
const WAIT_MS = 60_000;
/** Bound of a `konnect` CLI process (starting node is what a loaded machine slows most). */
const CLI_MS = 30_000;

describe.skipIf(!availability.ok)(
  `konnect daemons discovering each other in network namespaces${availability.ok ? '' : ` (skipped: ${availability.why})`}`,
  () => {
    let network: TestNetwork | undefined;
    let tmp = '';
    const dirs: string[] = [];
    const ids: string[] = [];
    /** The current process of each node (replaced on restart). */
    const daemons: (DaemonProcess | undefined)[] = [];
    /** Every process this file started, for cleanup by pid. */
    const started: DaemonProcess[] = [];
    const times: string[] = [];

    const record = (line: string) => {
      times.push(line);
      console.log(`discovery time: ${line}`);
    };

    function ns(i: number): string {
      return network!.namespaces[i].name;
    }

    function cli(i: number, args: string[], timeoutMs = CLI_MS) {
      return runCli([...args, '--data-dir', dirs[i]], { prefix: netnsPrefix(ns(i)), timeoutMs });
    }

    async function json<T>(i: number, args: string[]): Promise<T> {
      const r = await cli(i, [...args, '--json']);
      if (r.code !== 0)
        throw new Error(`konnect ${args.join(' ')} on ${NICKS[i]} exited ${r.code}: ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    }

    const peersOf = (i: number) => json<PeerJson[]>(i, ['peers']);
    const historyOf = (i: number) => json<MessageJson[]>(i, ['history', '--limit', '1000']);

    /**
     * Waits for the daemon's own "ready" log line, then asks `konnect status` once. (Polling status from
     * the start would spawn a CLI process every 100 ms per daemon, which on a small machine delays the
     * daemons enough to distort the discovery times measured here.)
     */
    async function ready(i: number, daemon: DaemonProcess) {
      await daemon.waitForLog(/konnect daemon ready/, `${NICKS[i]} to log that it is ready`, {
        timeoutMs: WAIT_MS,
      });
      return json<{ id: string; port: number; mdns: boolean }>(i, ['status']);
    }

    /** Waits (bounded, on the daemons' logs, which costs nothing) until each node logged links to all of `to(i)`. */
    async function logsShowLinked(
      nodes: number[],
      to: (i: number) => number[],
      what: string,
      timeoutMs: number,
    ) {
      await waitFor(
        () =>
          nodes.every((i) => {
            const linked = new Set(linkUps(daemons[i]!).map((u) => u.id));
            return to(i).every((j) => linked.has(ids[j].slice(0, 12)));
          }),
        what,
        { timeoutMs, intervalMs: 20 },
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}; ${await describePeers(nodes)}`);
      });
    }

    function start(i: number): DaemonProcess {
      const daemon = new DaemonProcess(
        dirs[i],
        ['--nick', NICKS[i], '--port', String(PORT), '--log-level', 'info'],
        netnsPrefix(ns(i)),
      );
      daemons[i] = daemon;
      started.push(daemon);
      return daemon;
    }

    /** Ids of the peers the daemon's log says it linked to, in order, each once, with the time. */
    function linkUps(daemon: DaemonProcess): { id: string; at: number }[] {
      const seen = new Map<string, number>();
      for (const { at, line } of daemon.logMatches(/ link up /)) {
        const id = / id=([0-9a-f]+)/.exec(line)?.[1];
        if (id && !seen.has(id)) seen.set(id, at);
      }
      return [...seen].map(([id, at]) => ({ id, at }));
    }

    /** Whether node i's `konnect peers --json` shows every one of `others` linked. */
    async function linkedTo(i: number, others: number[]): Promise<boolean> {
      const peers = await peersOf(i);
      return others.every((j) => peers.some((p) => p.id === ids[j] && p.linked));
    }

    async function describePeers(nodes: number[]): Promise<string> {
      const parts = await Promise.all(
        nodes.map(async (i) => {
          try {
            const peers = await json<PeerJson[]>(i, ['peers', '--all']);
            return `${NICKS[i]} sees [${peers
              .map(
                (p) =>
                  `${p.nick} ${p.linked ? 'linked' : p.online ? 'online' : 'offline'} by ${p.foundBy.join('+')}${p.lastError ? ` (${p.lastError})` : ''}`,
              )
              .join('; ')}]`;
          } catch (err) {
            return `${NICKS[i]}: ${(err as Error).message}`;
          }
        }),
      );
      return parts.join(' | ');
    }

    /**
     * Polls `konnect peers` (online list) on `watchers` until none lists node `gone`. Returns the ms from
     * the signal to that poll, which includes starting a CLI process per watcher: a figure to print, not
     * to assert (the bench measures the same in-process).
     */
    async function waitGone(gone: number, watchers: number[], signalAt: number, signal: string) {
      await waitFor(
        async () => {
          const lists = await Promise.all(watchers.map((i) => peersOf(i).catch(() => null)));
          return lists.every((list) => list !== null && !list.some((p) => p.id === ids[gone]));
        },
        `${NICKS[gone]} to disappear from the \`konnect peers\` of ${watchers.map((i) => NICKS[i]).join(', ')} after ${signal}`,
        { timeoutMs: WAIT_MS, intervalMs: 250 },
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}; ${await describePeers(watchers)}`);
      });
      return Date.now() - signalAt;
    }

    beforeAll(async () => {
      if (!existsSync(cliPath)) {
        throw new Error(`${cliPath} is missing: build first with \`npx tsc -p .\` (npm test does)`);
      }
      tmp = mkdtempSync(join(tmpdir(), 'konnect-netns-daemons-'));
      network = createTestNetwork({ nodes: NICKS.length, prefix: 'kdaemon', subnet: '10.78.0' });
      // No daemon may start with mDNS unless its namespace holds only lo and its veth, and nothing runs there.
      for (const n of network.namespaces) {
        const links = execFileSync('ip', ['-n', n.name, '-o', 'link', 'show'], { encoding: 'utf8' })
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split(':')[1].trim().split('@')[0])
          .sort();
        expect(links, `links in ${n.name}`).toEqual(['lo', 'veth0']);
        expect(
          execFileSync('ip', ['netns', 'pids', n.name], { encoding: 'utf8' }).trim(),
          `processes in ${n.name}`,
        ).toBe('');
      }
      for (const nick of NICKS) dirs.push(join(tmp, nick));
    });

    afterAll(async () => {
      const names = network ? [network.bridgeNamespace, ...network.namespaces.map((n) => n.name)] : [];
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
      if (times.length) console.log(`discovery times (4 daemons, mDNS only):\n  ${times.join('\n  ')}`);
      const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
      expect(
        names.filter((name) => left.includes(name)),
        'namespaces left behind',
      ).toEqual([]);
      const alive = started.filter((d) => d.child.exitCode === null && d.child.signalCode === null);
      expect(
        alive.map((d) => d.pid),
        'daemons left running',
      ).toEqual([]);
    });

    it(
      'four daemons with no --peer discover each other over mDNS and all link',
      async () => {
        const t0 = Date.now();
        const all = NICKS.map((_, i) => start(i));
        const statuses = await Promise.all(all.map((d, i) => ready(i, d)));
        statuses.forEach((s, i) => {
          ids[i] = s.id;
          expect(s.port).toBe(PORT);
          expect(s.mdns, `${NICKS[i]} runs with mDNS`).toBe(true);
        });
        const everyone = NICKS.map((_, i) => i);
        const others = (i: number) => everyone.filter((j) => j !== i);
        await logsShowLinked(
          everyone,
          others,
          'every daemon to log a link to each of the other three',
          WAIT_MS,
        );
        await waitFor(
          async () => (await Promise.all(everyone.map((i) => linkedTo(i, others(i))))).every(Boolean),
          'every daemon to show the other three linked in `konnect peers --json`',
          { timeoutMs: WAIT_MS, intervalMs: 250 },
        ).catch(async (err: Error) => {
          throw new Error(`${err.message}; ${await describePeers(everyone)}`);
        });
        const confirmedAt = Date.now();
        // Nothing but mDNS told them about each other: every peer was found by mDNS (a node may also have
        // been dialled by the other before its own browser answered, which adds 'inbound').
        await waitFor(
          async () => {
            const lists = await Promise.all(everyone.map((i) => peersOf(i)));
            return lists.every((peers, i) =>
              others(i).every((j) => peers.find((p) => p.id === ids[j])?.foundBy.includes('mdns')),
            );
          },
          'every daemon to list every other as found by mdns',
          { timeoutMs: WAIT_MS, intervalMs: 200 },
        ).catch(async (err: Error) => {
          throw new Error(`${err.message}; ${await describePeers(everyone)}`);
        });
        for (const i of everyone) {
          const peers = await peersOf(i);
          expect(peers.map((p) => p.id).sort()).toEqual(
            others(i)
              .map((j) => ids[j])
              .sort(),
          );
          for (const p of peers) {
            expect(p.online).toBe(true);
            expect(
              p.addresses.some((a) => a.startsWith(`${network!.namespaces[ids.indexOf(p.id)].address}:`)),
            ).toBe(true);
          }
        }
        const readyAt = all.map((d) => d.logMatches(/konnect daemon ready/)[0].at - d.startedAt);
        record(
          `process start → daemon ready (listening, mDNS started): ${readyAt.map((ms, i) => `${NICKS[i]} ${ms} ms`).join(', ')}`,
        );
        const firsts = all.map((d) => linkUps(d)[0].at - d.startedAt);
        const thirds = all.map((d) => {
          const ups = linkUps(d);
          return ups.length >= 3 ? ups[2].at - d.startedAt : NaN;
        });
        record(
          `start → first link: ${firsts.map((ms, i) => `${NICKS[i]} ${ms} ms`).join(', ')} (min ${Math.min(...firsts)} ms)`,
        );
        record(
          `start → all linked (third link in each log): ${thirds.map((ms, i) => `${NICKS[i]} ${ms} ms`).join(', ')}; ` +
            `whole mesh ${Math.max(...all.map((d, i) => d.startedAt + thirds[i])) - t0} ms; confirmed by konnect peers at ${confirmedAt - t0} ms`,
        );
      },
      5 * WAIT_MS,
    );

    it(
      'a message sent on one daemon reaches all of them',
      async () => {
        const text = `hello from ann ${randomBytes(4).toString('hex')}`;
        const sent = await json<{ id: string }>(0, ['send', text]);
        for (const i of [1, 2, 3]) {
          const message = await waitFor(
            async () => (await historyOf(i)).find((m) => m.id === sent.id),
            `${NICKS[i]} to have ann's message in \`konnect history\``,
            { timeoutMs: WAIT_MS, intervalMs: 250 },
          );
          expect(message).toMatchObject({ text, nick: 'ann', from: ids[0], room: 'lobby' });
        }
      },
      3 * WAIT_MS,
    );

    it(
      "a daemon stopped with SIGINT disappears from the others' peers",
      async () => {
        const dan = daemons[3]!;
        const marks = [0, 1, 2].map((i) => daemons[i]!.logLines.length);
        const signalAt = Date.now();
        dan.child.kill('SIGINT');
        const ms = await waitGone(3, [0, 1, 2], signalAt, 'SIGINT');
        expect(await dan.exited, `dan's exit code after SIGINT (log: ${dan.stderr.slice(-500)})`).toBe(0);
        const linkDowns = [0, 1, 2]
          .map((i) => daemons[i]!.logMatches(/ link down peer=dan@/, marks[i])[0])
          .map((l, k) => (l ? `${NICKS[k]} ${l.at - signalAt} ms` : `${NICKS[k]} -`));
        record(
          `SIGINT → down: gone from every \`konnect peers\` poll by ${ms} ms (links closed: ${linkDowns.join(', ')})`,
        );
        for (const i of [0, 1, 2]) {
          const entry = (await json<PeerJson[]>(i, ['peers', '--all'])).find((p) => p.id === ids[3]);
          expect(entry, `${NICKS[i]} still knows dan (offline) in peers --all`).toMatchObject({
            online: false,
            linked: false,
          });
        }
      },
      3 * WAIT_MS,
    );

    it(
      "a daemon killed with SIGKILL disappears from the others' peers",
      async () => {
        const cat = daemons[2]!;
        const marks = [0, 1].map((i) => daemons[i]!.logLines.length);
        const signalAt = Date.now();
        cat.child.kill('SIGKILL');
        const ms = await waitGone(2, [0, 1], signalAt, 'SIGKILL');
        await cat.exited;
        expect(cat.child.signalCode).toBe('SIGKILL');
        const linkDowns = [0, 1]
          .map((i) => daemons[i]!.logMatches(/ link down peer=cat@/, marks[i])[0])
          .map((l, k) => (l ? `${NICKS[k]} ${l.at - signalAt} ms` : `${NICKS[k]} -`));
        record(
          `SIGKILL → down: gone from every \`konnect peers\` poll by ${ms} ms (links closed: ${linkDowns.join(', ')})`,
        );
      },
      3 * WAIT_MS,
    );

    it(
      'restarted with the same data directories, both are found, linked again, and catch up',
      async () => {
        // Written while cat and dan are down: they must get these from history sync on their new links.
        const missed: string[] = [];
        for (const [i, text] of [
          [0, 'written by ann while cat and dan were away'],
          [1, 'written by ben while cat and dan were away'],
          [0, 'ann again, still while they were away'],
        ] as const) {
          missed.push((await json<{ id: string }>(i, ['send', text])).id);
        }
        const restartAt = Date.now();
        const cat = start(2);
        const dan = start(3);
        const [catStatus, danStatus] = await Promise.all([ready(2, cat), ready(3, dan)]);
        expect(catStatus.id, 'cat kept its id').toBe(ids[2]);
        expect(danStatus.id, 'dan kept its id').toBe(ids[3]);
        const everyone = [0, 1, 2, 3];
        const others = (i: number) => everyone.filter((j) => j !== i);
        await logsShowLinked(
          [2, 3],
          others,
          'cat and dan to log links to the other three after restarting',
          WAIT_MS,
        );
        await waitFor(
          async () => (await Promise.all(everyone.map((i) => linkedTo(i, others(i))))).every(Boolean),
          'all four daemons to show the other three linked again after the restarts',
          { timeoutMs: WAIT_MS, intervalMs: 250 },
        ).catch(async (err: Error) => {
          throw new Error(`${err.message}; ${await describePeers(everyone)}`);
        });
        const relinkedAt = Date.now();
        for (const i of [2, 3]) {
          const history = await waitFor(
            async () => {
              const h = await historyOf(i);
              return missed.every((id) => h.some((m) => m.id === id)) ? h : null;
            },
            `${NICKS[i]} to have the ${missed.length} messages it missed in \`konnect history\``,
            { timeoutMs: WAIT_MS, intervalMs: 100 },
          );
          // Sent while both were down, so any copy is a catch-up: by this node's own sync, or flooded
          // on by the other restarted node right after its sync brought it in.
          for (const id of missed) expect(['sync', 'live']).toContain(history.find((m) => m.id === id)!.via);
        }
        const caughtUpAt = Date.now();
        for (const [i, d] of [
          [2, cat],
          [3, dan],
        ] as const) {
          const ups = linkUps(d);
          const readyMs = d.logMatches(/konnect daemon ready/)[0].at - d.startedAt;
          record(
            `restart → relinked (${NICKS[i]}, after ${i === 2 ? 'SIGKILL' : 'SIGINT'}): ready ${readyMs} ms, first link ${ups[0].at - d.startedAt} ms, ` +
              `all 3 links ${ups.length >= 3 ? `${ups[2].at - d.startedAt} ms` : '?'}`,
          );
        }
        record(
          `restart → all four relinked, confirmed by konnect peers: ${relinkedAt - restartAt} ms; missed messages in history by ${caughtUpAt - restartAt} ms`,
        );
        // And the restarted nodes write to the room again: a message from cat reaches everyone.
        const back = await json<{ id: string }>(2, ['send', 'cat is back']);
        for (const i of [0, 1, 3]) {
          await waitFor(
            async () => (await historyOf(i)).some((m) => m.id === back.id),
            `${NICKS[i]} to receive cat's message after the restart`,
            { timeoutMs: WAIT_MS, intervalMs: 250 },
          );
        }
      },
      5 * WAIT_MS,
    );
  },
);
