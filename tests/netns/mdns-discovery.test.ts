/**
 * MdnsDiscovery against real multicast, inside network namespaces this test creates and removes.
 * Each node is a child process (tests/helpers/mdns-probe.ts, built to dist by `npx tsc -p .`); the
 * discovery contract is shown here for mDNS: all find each other, none reports itself, a nick update
 * is seen, refresh re-reports, a late joiner finds and is found, stop() is a goodbye, a node killed
 * and restarted with the same id is found again, a node that stops answering is reported lost, and a
 * node whose address changes advertises the new one with the cache-flush bit, and only the new one.
 *
 * Every wait has a bound that is a safety net for a loaded machine (2 cores at load 15), not a measure:
 * WAIT_MS for what takes milliseconds on an idle machine, and each test's own bound above its waits.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultHostName, instanceName } from '../../src/discovery/index.js';
import { createTestNetwork, netnsAvailable, type TestNamespace, type TestNetwork } from '../helpers/netns.js';
import { waitFor } from '../helpers/wait.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const probeScript = join(root, 'dist', 'tests', 'helpers', 'mdns-probe.js');
/** Bound of each wait for something that takes milliseconds to a second or two on an idle machine. */
const WAIT_MS = 30_000;
/** Bound of each test: above the sum of its waits, so a wait's own message is what a failure shows. */
const TEST_MS = 120_000;

interface ProbeEvent {
  type: string;
  ms: number;
  at: number;
  candidate?: { id?: string; nick?: string; addresses: string[]; method: string; version?: number };
  message?: string;
  [key: string]: unknown;
}

/** The test's side of one probe process: its events so far, and commands to it. */
class Probe {
  readonly events: ProbeEvent[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly changes = new EventEmitter();

  constructor(
    readonly label: string,
    readonly ns: TestNamespace,
    readonly id: string,
    readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as ProbeEvent);
        this.changes.emit('event');
      } catch {
        this.stderr.push(`(not JSON) ${line}`);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  send(command: string): void {
    this.child.stdin!.write(command + '\n');
  }

  /** Waits for an event matching `match` among those after index `from`. */
  async waitEvent(
    what: string,
    match: (e: ProbeEvent) => boolean,
    from = 0,
    timeoutMs = WAIT_MS,
  ): Promise<ProbeEvent> {
    return waitFor(
      () => this.events.slice(from).find(match),
      `${this.label}: ${what} (events so far: ${this.describeEvents()}; stderr: ${this.stderr.join('').slice(-500)})`,
      { timeoutMs },
    );
  }

  foundIds(from = 0): Set<string> {
    return new Set(
      this.events
        .slice(from)
        .filter((e) => e.type === 'found')
        .map((e) => e.candidate?.id ?? ''),
    );
  }

  describeEvents(): string {
    return (
      this.events.map((e) => `${e.type}${e.candidate ? `(${e.candidate.nick})` : ''}`).join(', ') || 'none'
    );
  }
}

const availability = netnsAvailable();
const mustRun = process.env.CI === 'true';

if (!availability.ok && !mustRun) console.warn(`mdns netns tests skipped: ${availability.why}`);
if (!availability.ok && mustRun) {
  describe('MdnsDiscovery in network namespaces', () => {
    it('can build network namespaces (required in CI)', () => {
      throw new Error(`netns tests must run in CI but cannot: ${availability.why}`);
    });
  });
}

describe.skipIf(!availability.ok)(
  `MdnsDiscovery in network namespaces${availability.ok ? '' : ` (skipped: ${availability.why})`}`,
  () => {
    let network: TestNetwork | undefined;
    const probes: Probe[] = [];
    const ids = { a: hexId(), b: hexId(), c: hexId(), d: hexId() };
    const port = { a: 7001, b: 7002, c: 7003, d: 7004 };
    let A: Probe, B: Probe, C: Probe, D: Probe;

    function startProbe(
      label: string,
      ns: TestNamespace,
      id: string,
      nick: string,
      portNumber: number,
      extra: string[] = [],
    ) {
      if (!network) throw new Error('no test network');
      const args = [
        probeScript,
        '--id',
        id,
        '--nick',
        nick,
        '--port',
        String(portNumber),
        '--requery-ms',
        '1000',
        ...extra,
      ];
      const probe = new Probe(label, ns, id, network.spawnIn(ns.name, process.execPath, args));
      probes.push(probe);
      return probe;
    }

    function validCandidate(e: ProbeEvent): void {
      const c = e.candidate;
      expect(c, `${e.type} event carries a candidate`).toBeDefined();
      expect(c!.method).toBe('mdns');
      expect(c!.id).toMatch(/^[0-9a-f]{64}$/);
      expect(c!.version).toBe(1);
      expect(typeof c!.nick).toBe('string');
      expect(c!.addresses.length).toBeGreaterThan(0);
      for (const address of c!.addresses) expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+:\d+$/);
    }

    beforeAll(() => {
      if (!existsSync(probeScript)) {
        throw new Error(`${probeScript} is missing: build first with \`npx tsc -p .\` (npm test does)`);
      }
      const built = statSync(probeScript).mtimeMs;
      const sources = readdirSync(join(root, 'src', 'discovery')).map((f) =>
        join(root, 'src', 'discovery', f),
      );
      if (sources.some((f) => statSync(f).mtimeMs > built)) {
        console.warn(
          'mdns netns test: src/discovery is newer than dist; run `npx tsc -p .` to test the current code',
        );
      }
      network = createTestNetwork({ nodes: 4, prefix: 'kmdns' });
    });

    afterAll(async () => {
      const names = network ? [network.bridgeNamespace, ...network.namespaces.map((ns) => ns.name)] : [];
      network?.destroy();
      network?.destroy(); // idempotent
      // destroy() killed every probe by pid; this only waits for the exits to be reaped.
      await Promise.all(probes.map((probe) => probe.exited));
      const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
      expect(
        names.filter((name) => left.includes(name)),
        'namespaces left behind',
      ).toEqual([]);
    });

    it(
      'three nodes find each other and none reports itself',
      async () => {
        const [nsA, nsB, nsC] = network!.namespaces;
        A = startProbe('A', nsA, ids.a, 'alice', port.a, ['--expire-ms', '600000']);
        B = startProbe('B', nsB, ids.b, 'bob', port.b);
        C = startProbe('C', nsC, ids.c, 'carol', port.c);
        const expected: [Probe, string[]][] = [
          [A, [ids.b, ids.c]],
          [B, [ids.a, ids.c]],
          [C, [ids.a, ids.b]],
        ];
        for (const [probe, others] of expected) {
          await waitLong(
            () => others.every((id) => probe.foundIds().has(id)),
            `${probe.label} to find ${others.length} others`,
          );
        }
        for (const probe of [A, B, C]) {
          const started = await probe.waitEvent('started', (e) => e.type === 'started');
          const first = probe.events.find((e) => e.type === 'found')!;
          console.log(
            `mdns: ${probe.label} first candidate ${first.ms} ms after process start, ${first.ms - started.ms} ms after start() resolved`,
          );
        }
        // The address that reached us comes first: the peer's own veth address.
        const bSeenByA = A.events.find((e) => e.type === 'found' && e.candidate?.id === ids.b)!;
        expect(bSeenByA.candidate!.addresses[0]).toBe(`${nsB.address}:${port.b}`);
        expect(bSeenByA.candidate!.nick).toBe('bob');
        for (const probe of [A, B, C]) {
          for (const e of probe.events.filter((x) => x.type === 'found')) validCandidate(e);
          expect(probe.foundIds().has(probe.id), `${probe.label} reported itself`).toBe(false);
          expect(probe.events.filter((e) => e.type === 'error')).toEqual([]);
        }
      },
      TEST_MS,
    );

    it(
      'a nick update is seen by the others',
      async () => {
        const mark = { b: B.events.length, c: C.events.length };
        A.send('nick alice-2');
        const renamed = (e: ProbeEvent) =>
          e.type === 'found' && e.candidate?.id === ids.a && e.candidate.nick === 'alice-2';
        await B.waitEvent('found A as alice-2', renamed, mark.b);
        await C.waitEvent('found A as alice-2', renamed, mark.c);
        // The update is a change of the same service, not a departure.
        const lostA = (p: Probe, from: number) =>
          p.events.slice(from).some((e) => e.type === 'lost' && e.candidate?.id === ids.a);
        expect(lostA(B, mark.b) || lostA(C, mark.c)).toBe(false);
      },
      TEST_MS,
    );

    it(
      'refresh re-reports every candidate still there',
      async () => {
        const from = B.events.length;
        B.send('refresh');
        await B.waitEvent('refreshed', (e) => e.type === 'refreshed', from);
        await waitLong(
          () => B.foundIds(from).has(ids.a) && B.foundIds(from).has(ids.c),
          'B to re-report A and C after refresh',
        );
      },
      TEST_MS,
    );

    it(
      'a node started later (with --interface veth0) finds the others and they find it',
      async () => {
        const nsD = network!.namespaces[3];
        const marks = [A.events.length, B.events.length, C.events.length];
        D = startProbe('D', nsD, ids.d, 'dave', port.d, ['--interface', 'veth0', '--expire-ms', '3000']);
        await waitLong(
          () => [ids.a, ids.b, ids.c].every((id) => D.foundIds().has(id)),
          `D to find A, B and C (D saw: ${D.describeEvents()})`,
        );
        const started = await D.waitEvent('started', (e) => e.type === 'started');
        const first = D.events.find((e) => e.type === 'found')!;
        console.log(
          `mdns: late joiner D first candidate ${first.ms} ms after process start, ${first.ms - started.ms} ms after start()`,
        );
        for (const [probe, from] of [A, B, C].map((p, i) => [p, marks[i]] as const)) {
          await waitLong(() => probe.foundIds(from).has(ids.d), `${probe.label} to find D`);
        }
        expect(D.foundIds().has(ids.d), 'D reported itself').toBe(false);
        expect(D.events.find((e) => e.type === 'found' && e.candidate?.id === ids.a)!.candidate!.nick).toBe(
          'alice-2',
        );
      },
      TEST_MS,
    );

    it(
      'stop() sends a goodbye that the others see as candidate:lost',
      async () => {
        const marks = [A.events.length, B.events.length, D.events.length];
        C.send('stop');
        await C.waitEvent('stopped', (e) => e.type === 'stopped');
        expect((await C.exited).code).toBe(0);
        // A expires silent candidates only after 10 minutes, so a lost on A can only be the goodbye.
        for (const [probe, from] of [A, B, D].map((p, i) => [p, marks[i]] as const)) {
          await probe.waitEvent('lost C', (e) => e.type === 'lost' && e.candidate?.id === ids.c, from);
        }
      },
      TEST_MS,
    );

    it(
      'a node killed with SIGKILL and restarted with the same id is found again',
      async () => {
        const killedAt = Date.now();
        const marks = { a: A.events.length, d: D.events.length };
        B.child.kill('SIGKILL');
        expect((await B.exited).signal).toBe('SIGKILL');
        // Same id, nick and port: to a bonjour-service browser this is the very same service.
        B = startProbe('B (restarted)', network!.namespaces[1], ids.b, 'bob', port.b);
        const again = (e: ProbeEvent) => e.type === 'found' && e.candidate?.id === ids.b && e.at > killedAt;
        const seen = await A.waitEvent('found B again after its restart', again, marks.a);
        await D.waitEvent('found B again after its restart', again, marks.d);
        const started = await B.waitEvent('started', (e) => e.type === 'started');
        console.log(
          `mdns: restarted B re-found by A ${seen.at - (started.at - started.ms)} ms after B's process start`,
        );
        await waitLong(
          () => B.foundIds().has(ids.a) && B.foundIds().has(ids.d),
          'restarted B to find A and D',
        );
      },
      TEST_MS,
    );

    it(
      'a node that stops answering re-queries is reported lost',
      async () => {
        const from = D.events.length;
        B.child.kill('SIGKILL');
        await B.exited;
        // D expires after 3 s without an answer (no goodbye was sent: the process was killed).
        await D.waitEvent(
          'lost B after it stopped answering',
          (e) => e.type === 'lost' && e.candidate?.id === ids.b,
          from,
        );
        for (const probe of [A, D]) {
          expect(probe.foundIds().has(probe.id), `${probe.label} reported itself`).toBe(false);
          for (const e of probe.events.filter((x) => x.type === 'found' || x.type === 'lost'))
            validCandidate(e);
        }
      },
      TEST_MS,
    );

    it(
      'a node whose address changes advertises the new one, with the cache-flush bit, and not the old',
      async () => {
        const nsD = network!.namespaces[3];
        const newAddress = `${nsD.address.split('.').slice(0, 3).join('.')}.104`;
        const markA = A.events.length;
        const ip = async (...args: string[]) => {
          const r = await network!.exec(nsD.name, 'ip', args);
          expect(r.code, `ip ${args.join(' ')}: ${r.stderr}`).toBe(0);
        };
        // Add the new address, then remove the old one. Without promote_secondaries, removing the
        // primary address would take the new (secondary) one with it; removing the last address would
        // take the 224.0.0.0/4 route, so it is put back either way.
        const sysctl = await network!.exec(nsD.name, 'sysctl', [
          '-w',
          'net.ipv4.conf.veth0.promote_secondaries=1',
        ]);
        expect(sysctl.code, sysctl.stderr).toBe(0);
        await ip('addr', 'add', `${newAddress}/24`, 'dev', 'veth0');
        await ip('addr', 'del', `${nsD.address}/24`, 'dev', 'veth0');
        await ip('route', 'replace', '224.0.0.0/4', 'dev', 'veth0');
        // D (on --interface veth0) notices at its next round and publishes again; A, whose census
        // browsers start afresh each round, then reports D at the new address only.
        const moved = await A.waitEvent(
          'found D at its new address and no longer at the old one',
          (e) =>
            e.type === 'found' &&
            e.candidate?.id === ids.d &&
            e.candidate.addresses.length > 0 &&
            e.candidate.addresses.every((a) => a.startsWith(`${newAddress}:`)),
          markA,
        );
        validCandidate(moved);
        expect(A.events.slice(markA).some((e) => e.type === 'lost' && e.candidate?.id === ids.d)).toBe(false);

        // On the wire: D's unique records carry the cache-flush bit, its shared PTR does not, and its
        // A records hold the new address only. Captured from C's namespace (C has stopped).
        const nsC = network!.namespaces[2];
        const capture = new Probe(
          'capture',
          nsC,
          '',
          network!.spawnIn(nsC.name, process.execPath, [probeScript, '--capture']),
        );
        probes.push(capture);
        const fromD = (e: ProbeEvent) => e.type === 'record' && e.from === newAddress;
        const serviceName = `${instanceName(ids.d)}._konnect._tcp.local`;
        const host = defaultHostName(ids.d);
        await capture.waitEvent("D's PTR, SRV, TXT and A records", () => {
          const types = new Set(capture.events.filter(fromD).map((e) => e.rtype));
          return ['PTR', 'SRV', 'TXT', 'A'].every((t) => types.has(t));
        });
        capture.child.stdin!.end();
        expect((await capture.exited).code).toBe(0);
        const records = capture.events.filter(fromD);
        for (const r of records) {
          if (r.rtype === 'PTR')
            expect(r.flush, `PTR ${String(r.name)} is shared: no cache-flush bit`).toBe(false);
          if (r.rtype === 'SRV' || r.rtype === 'TXT') {
            expect(r.name).toBe(serviceName);
            expect(r.flush, `${r.rtype} is unique: cache-flush bit`).toBe(true);
          }
          if (r.rtype === 'A') {
            expect(r.name).toBe(host);
            expect(r.flush, 'A is unique: cache-flush bit').toBe(true);
            expect(r.data).toBe(newAddress);
          }
        }
      },
      TEST_MS,
    );

    it(
      'the multicast check (konnect doctor) sees packets, and names the missing multicast route',
      async () => {
        const ns = network!.namespaces[2]; // C's namespace; C has stopped
        const check = async (args: string[]) => {
          const run = await network!.exec(ns.name, process.execPath, [
            probeScript,
            '--multicast-check',
            // The check listens this long for A's re-queries; on an idle machine one comes within 1 s.
            '--probe-ms',
            '8000',
            ...args,
          ]);
          expect(run.code, `multicast check failed: ${run.stderr}`).toBe(0);
          const lines = run.stdout
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as Record<string, any>);
          return { interfaces: lines[0].interfaces, result: lines[1].result };
        };
        const withRoute = await check([]);
        // Its own query came back, and A and D (still running, re-querying) were heard too.
        expect(withRoute.result).toMatchObject({ received: true, ownQuerySeen: true });
        expect(withRoute.result.from).toEqual(
          expect.arrayContaining([ns.address, network!.namespaces[0].address]),
        );
        expect(withRoute.interfaces).toEqual([
          { name: 'lo', ipv4: ['127.0.0.1'], up: true, internal: true, multicastCapable: false },
          { name: 'veth0', ipv4: [ns.address], up: true, internal: false, multicastCapable: true },
        ]);
        const del = await network!.exec(ns.name, 'ip', ['route', 'del', '224.0.0.0/4']);
        expect(del.code, del.stderr).toBe(0);
        // Without the route it still hears the others, but cannot send: doctor can name the cause.
        const noRoute = await check([]);
        expect(noRoute.result.ownQuerySeen).toBe(false);
        expect(noRoute.result.error).toMatch(/ENETUNREACH/);
        // With an interface, the socket sends through it (IP_MULTICAST_IF) and needs no route.
        const onInterface = await check(['--interface', 'veth0']);
        expect(onInterface.result).toMatchObject({ ownQuerySeen: true });
        expect(onInterface.result.error).toBeUndefined();
      },
      TEST_MS,
    );
  },
);

/** waitFor with the bound of this file. */
function waitLong<T>(check: () => T | undefined | null | false, what: string): Promise<T> {
  return waitFor(check, what, { timeoutMs: WAIT_MS });
}

function hexId(): string {
  return randomBytes(32).toString('hex');
}
