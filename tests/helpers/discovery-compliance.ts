/**
 * The discovery contract as one vitest suite, run against every Discovery that can run in-process
 * (StaticDiscovery; MdnsDiscovery over a fake LAN). Real mDNS shows the same points in network
 * namespaces: tests/netns/mdns-discovery.test.ts.
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { Candidate, Discovery, DiscoveryEvents, SelfAdvertisement } from '../../src/discovery/index.js';
import { waitFor } from './wait.js';

export interface DiscoveryHarness {
  discovery: Discovery;
  self: SelfAdvertisement;
  /** How many distinct candidates start() must report. At least 1. */
  expected: number;
  /**
   * Resolves once everything already set in motion has been emitted. Must not be a timed sleep:
   * e.g. a few turns of the event loop when the discovery only defers with setImmediate.
   */
  settle(): Promise<void>;
  /** Releases whatever the harness made besides the discovery (fake networks, peers). */
  close?(): Promise<void>;
}

interface Recorder {
  found: Candidate[];
  lost: Candidate[];
  errors: Error[];
  /** All events in order, to compare before/after counts. */
  total(): number;
  waitFound(count: number, what: string): Promise<void>;
}

function record(discovery: Discovery): Recorder {
  const found: Candidate[] = [];
  const lost: Candidate[] = [];
  const errors: Error[] = [];
  discovery.on('candidate:found', (c) => found.push(c));
  discovery.on('candidate:lost', (c) => lost.push(c));
  discovery.on('discovery:error', (e) => errors.push(e));
  return {
    found,
    lost,
    errors,
    total: () => found.length + lost.length + errors.length,
    waitFound: (count, what) =>
      waitFor(() => found.length >= count, `${what}: ${count} candidate:found events (got ${found.length})`, {
        // A safety net for what takes milliseconds, wide enough for a 2-core machine at load 15.
        timeoutMs: 20_000,
      }).then(() => undefined),
  };
}

/** A stable key for a candidate: its id when known, else its addresses. */
function key(c: Candidate): string {
  return c.id ?? [...c.addresses].sort().join(',');
}

function expectWellFormed(c: Candidate, method: Discovery['method']): void {
  expect(c.method).toBe(method);
  expect(Array.isArray(c.addresses)).toBe(true);
  expect(c.addresses.length).toBeGreaterThan(0);
  for (const address of c.addresses) expect(address).toMatch(/^(\[[0-9a-fA-F:.%\w-]+\]|[^:\s[\]]+):\d{1,5}$/);
  if (c.id !== undefined) expect(c.id).toMatch(/^[0-9a-f]{64}$/);
  if (c.nick !== undefined) expect(typeof c.nick).toBe('string');
  if (c.version !== undefined) expect(Number.isInteger(c.version)).toBe(true);
}

export function discoveryComplianceSuite(
  name: string,
  makeHarness: () => DiscoveryHarness | Promise<DiscoveryHarness>,
): void {
  describe(`Discovery contract: ${name}`, () => {
    let harness: DiscoveryHarness | undefined;

    async function setup(): Promise<{ h: DiscoveryHarness; events: Recorder }> {
      const h = await makeHarness();
      harness = h;
      expect(h.expected).toBeGreaterThan(0);
      return { h, events: record(h.discovery) };
    }

    afterEach(async () => {
      const h = harness;
      harness = undefined;
      if (!h) return;
      try {
        await h.discovery.stop();
      } finally {
        await h.close?.();
      }
    });

    it('start() is idempotent: starting three times reports each candidate once', async () => {
      const { h, events } = await setup();
      await Promise.all([h.discovery.start(h.self), h.discovery.start(h.self)]);
      await h.discovery.start(h.self);
      await events.waitFound(h.expected, 'after start');
      await h.settle();
      // Once running, start() is a no-op: it neither re-reports nor opens anything new.
      await h.discovery.start(h.self);
      await h.settle();
      expect(events.found).toHaveLength(h.expected);
      expect(new Set(events.found.map(key)).size).toBe(h.expected);
    });

    it('stop() is idempotent, also before start and right after it', async () => {
      const { h, events } = await setup();
      await h.discovery.stop();
      const started = h.discovery.start(h.self);
      const stopped = h.discovery.stop();
      await started;
      await Promise.all([stopped, h.discovery.stop()]);
      await h.discovery.stop();
      const afterStop = events.total();
      await h.settle();
      expect(events.total()).toBe(afterStop);
      expect(events.errors).toEqual([]);
    });

    it('candidates appear after start, in events and in candidates()', async () => {
      const { h, events } = await setup();
      await h.discovery.start(h.self);
      await events.waitFound(h.expected, 'after start');
      const listed = new Set(h.discovery.candidates().map(key));
      for (const c of events.found) expect(listed.has(key(c)), `candidates() lists ${key(c)}`).toBe(true);
    });

    it('events are typed and well-formed', async () => {
      const { h, events } = await setup();
      expectTypeOf<Parameters<Discovery['start']>[0]>().toEqualTypeOf<SelfAdvertisement>();
      expectTypeOf<DiscoveryEvents['candidate:found']>().toEqualTypeOf<[Candidate]>();
      expectTypeOf<DiscoveryEvents['candidate:lost']>().toEqualTypeOf<[Candidate]>();
      expectTypeOf<DiscoveryEvents['discovery:error']>().toEqualTypeOf<[Error]>();
      h.discovery.on('candidate:found', (candidate) => {
        expectTypeOf(candidate).toEqualTypeOf<Candidate>();
      });
      await h.discovery.start(h.self);
      await events.waitFound(h.expected, 'after start');
      for (const c of events.found) expectWellFormed(c, h.discovery.method);
      for (const c of h.discovery.candidates()) expectWellFormed(c, h.discovery.method);
      // Candidates are copies: a listener that mutates one cannot corrupt the discovery's state.
      events.found[0].addresses.push('mutated:1');
      expect(h.discovery.candidates().some((c) => c.addresses.includes('mutated:1'))).toBe(false);
    });

    it('refresh() re-reports every candidate', async () => {
      const { h, events } = await setup();
      await h.discovery.start(h.self);
      await events.waitFound(h.expected, 'after start');
      const first = new Set(events.found.map(key));
      const mark = events.found.length;
      h.discovery.refresh();
      await events.waitFound(mark + h.expected, 'after refresh');
      expect(new Set(events.found.slice(mark).map(key))).toEqual(first);
    });

    it('stop() ends emissions: nothing after it resolves, whatever is called', async () => {
      const { h, events } = await setup();
      await h.discovery.start(h.self);
      await events.waitFound(h.expected, 'after start');
      h.discovery.refresh();
      await h.discovery.stop();
      const afterStop = events.total();
      h.discovery.refresh();
      h.discovery.update({ ...h.self, nick: 'after-stop' });
      await h.settle();
      expect(events.total()).toBe(afterStop);
    });

    it('update() is accepted before start, while running and after stop', async () => {
      const { h, events } = await setup();
      h.discovery.update({ ...h.self, nick: 'before' });
      await h.discovery.start(h.self);
      await events.waitFound(h.expected, 'after start');
      expect(() => h.discovery.update({ ...h.self, nick: 'while' })).not.toThrow();
      await h.settle();
      await h.discovery.stop();
      expect(() => h.discovery.update({ ...h.self, nick: 'after' })).not.toThrow();
      expect(events.errors).toEqual([]);
    });

    it('starts again after a stop and reports the candidates again', async () => {
      const { h, events } = await setup();
      await h.discovery.start(h.self);
      await events.waitFound(h.expected, 'first start');
      await h.discovery.stop();
      const mark = events.found.length;
      await h.discovery.start(h.self);
      await events.waitFound(mark + h.expected, 'second start');
    });
  });
}
