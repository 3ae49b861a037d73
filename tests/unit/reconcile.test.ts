/**
 * Range-digest reconciliation: the pure pieces (ids, digests, range splitting, chunking) and the
 * whole exchange between two in-memory stores, checked by property: both end with the union, every
 * message on the link is schema-valid and within the frame limit, and the traffic follows the
 * difference, not the history size.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SYNC_WINDOW_MS,
  MAX_SYNC_TS,
  SYNC_FANOUT,
  chunkSignedMessages,
  digestFromSums,
  digestsEqual,
  idFromText,
  idToText,
  splitBoundaries,
  subRanges,
} from '../../src/daemon/history/reconcile.js';
import { MemorySyncStore, type MemoryEntry } from '../../src/daemon/history/store-memory.js';
import { SyncSession, type SyncMessage } from '../../src/daemon/history/sync-session.js';
import {
  DEFAULT_MAX_FRAME_BYTES,
  FRAME_HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
  MAX_SYNC_MESSAGES,
  messageIdToString,
  newMessageId,
  packValue,
  parseLinkMessage,
  unpackValue,
  type LinkMessage,
} from '../../src/wire/index.js';

const NOW = 1_750_000_000_000;
const WINDOW_START = NOW - DEFAULT_SYNC_WINDOW_MS;

function entry(ts: number, scope = 'room:a', id = idToText(randomBytes(16))): MemoryEntry {
  return { id, scope, ts, payload: Buffer.from(`payload of ${id}`), sig: Buffer.alloc(64, id.charCodeAt(0)) };
}

interface Stats {
  frames: number;
  bytes: number;
  /** Ids listed in sync-ids and sync-want. */
  ids: number;
  /** Messages carried in sync-msgs. */
  msgs: number;
  ranges: number;
}

/**
 * Runs a full exchange synchronously: every message goes through the real codec and schema check
 * (so an oversize or malformed one fails the test) and is delivered in order. Ingest accepts a
 * message only if it is one of `universe`'s, unchanged, in the scope it belongs to.
 */
function reconcile(
  a: MemorySyncStore,
  b: MemorySyncStore,
  universe: Map<string, MemoryEntry>,
  options: { scopesA?: string[]; scopesB?: string[]; aInitiates?: boolean } = {},
) {
  const stats: Stats = { frames: 0, bytes: 0, ids: 0, msgs: 0, ranges: 0 };
  const queue: { to: 'a' | 'b'; message: SyncMessage }[] = [];
  const transport = (to: 'a' | 'b') => ({
    send(message: LinkMessage) {
      const body = packValue(message);
      expect(FRAME_HEADER_BYTES + body.length).toBeLessThanOrEqual(DEFAULT_MAX_FRAME_BYTES);
      const parsed = parseLinkMessage(unpackValue(body)) as SyncMessage;
      stats.frames++;
      stats.bytes += FRAME_HEADER_BYTES + body.length;
      if (parsed.kind === 'sync-ids' || parsed.kind === 'sync-want') stats.ids += parsed.ids.length;
      if (parsed.kind === 'sync-msgs') stats.msgs += parsed.msgs.length;
      if (parsed.kind === 'sync-digest') stats.ranges += parsed.ranges.length;
      queue.push({ to, message: parsed });
    },
  });
  const host = (store: MemorySyncStore) => ({
    store,
    ingest(scope: string, msgs: { id: Uint8Array; payload: Uint8Array; sig: Uint8Array }[]) {
      let accepted = 0;
      for (const m of msgs) {
        const known = universe.get(idToText(m.id));
        if (!known || known.scope !== scope || !Buffer.from(m.payload).equals(known.payload)) continue;
        if (store.add(known)) accepted++;
      }
      return accepted;
    },
  });
  const aInitiates = options.aInitiates ?? true;
  const events = { a: [] as unknown[][], b: [] as unknown[][] };
  const make = (side: 'a' | 'b', store: MemorySyncStore, scopes: string[]) => {
    const session = new SyncSession({
      transport: transport(side === 'a' ? 'b' : 'a'),
      host: host(store),
      scopes,
      localScope: (s) => s,
      initiator: (side === 'a') === aInitiates,
      now: () => NOW,
    });
    session.on('done', (n) => events[side].push(['done', n]));
    session.on('scope:done', (s, n) => events[side].push(['scope:done', s, n]));
    return session;
  };
  const sa = make('a', a, options.scopesA ?? ['room:a']);
  const sb = make('b', b, options.scopesB ?? ['room:a']);
  sa.start();
  sb.start();
  for (let steps = 0; queue.length > 0; steps++) {
    if (steps > 5_000_000) throw new Error('the exchange does not end');
    const { to, message } = queue.shift()!;
    (to === 'a' ? sa : sb).handle(message);
  }
  return { sa, sb, stats, events };
}

function universeOf(...lists: MemoryEntry[][]): Map<string, MemoryEntry> {
  return new Map(lists.flat().map((e) => [e.id, e]));
}

describe('ids and digests', () => {
  it('writes ids exactly as the uuid package does, and reads them back', () => {
    for (let i = 0; i < 100; i++) {
      const id = newMessageId();
      expect(idToText(id)).toBe(messageIdToString(id));
      expect([...idFromText(idToText(id))]).toEqual([...id]);
    }
  });

  it('never throws on 16 arbitrary bytes from a peer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        expect([...idFromText(idToText(bytes))]).toEqual([...bytes]);
      }),
    );
  });

  it('does not depend on the order messages were added in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 60 }),
        fc.func(fc.integer()),
        (times, order) => {
          const entries = times.map((t) => entry(WINDOW_START + t));
          const shuffled = [...entries].sort((x, y) => order(x.id) - order(y.id));
          const one = new MemorySyncStore(entries);
          const two = new MemorySyncStore();
          for (const e of shuffled) two.add(e);
          expect(
            digestsEqual(
              one.rangeDigest('room:a', 0, MAX_SYNC_TS),
              two.rangeDigest('room:a', 0, MAX_SYNC_TS),
            ),
          ).toBe(true);
          // One message less is a different digest.
          const less = new MemorySyncStore(entries.slice(1));
          expect(
            digestsEqual(
              one.rangeDigest('room:a', 0, MAX_SYNC_TS),
              less.rangeDigest('room:a', 0, MAX_SYNC_TS),
            ),
          ).toBe(false);
        },
      ),
    );
  });

  it('reduces lane sums modulo 2^32, big-endian', () => {
    const d = digestFromSums(3, [2 ** 32 + 1, 2 ** 40 + 0x01020304, 0, 2 ** 32 - 1]);
    expect(Buffer.from(d.hash).toString('hex')).toBe('00000001' + '01020304' + '00000000' + 'ffffffff');
  });
});

describe('range splitting', () => {
  it('gives sorted boundaries strictly inside the range, so every part is smaller', () => {
    const bound = fc.integer({ min: 0, max: MAX_SYNC_TS });
    fc.assert(
      fc.property(
        bound,
        bound,
        fc.array(bound, { maxLength: 40 }),
        fc.array(fc.integer({ min: -3, max: 3 })),
        (x, y, far, near) => {
          const from = Math.min(x, y);
          const to = Math.max(x, y);
          // Candidates near the edges as well as anywhere.
          const candidates = [...far, ...near.map((d) => Math.min(MAX_SYNC_TS, Math.max(0, from + d)))];
          const boundaries = splitBoundaries(from, to, candidates);
          if (to - from <= 1 || candidates.length === 0) {
            expect(boundaries).toEqual([]);
            return;
          }
          expect(boundaries.length).toBeGreaterThan(0);
          expect(boundaries.length).toBeLessThanOrEqual(SYNC_FANOUT - 1);
          const parts = subRanges(from, to, boundaries);
          expect(parts[0][0]).toBe(from);
          expect(parts[parts.length - 1][1]).toBe(to);
          for (const [a, b] of parts) {
            expect(a).toBeLessThan(b);
            expect(b - a).toBeLessThan(to - from);
          }
          for (let i = 1; i < parts.length; i++) expect(parts[i][0]).toBe(parts[i - 1][1]);
        },
      ),
    );
  });

  it('isolates a timestamp all messages share', () => {
    expect(splitBoundaries(100, 200, [150, 150, 150])).toEqual([150]);
    expect(splitBoundaries(100, 200, [100, 100])).toEqual([101]);
  });
});

describe('chunking', () => {
  it('keeps sync-msgs within the message count and frame size, in order', () => {
    const big = (n: number) => ({
      id: randomBytes(16),
      payload: Buffer.alloc(MAX_PAYLOAD_BYTES, n),
      sig: randomBytes(64),
    });
    const small = () => ({ id: randomBytes(16), payload: randomBytes(100), sig: randomBytes(64) });
    const messages = [...Array.from({ length: 20 }, (_, i) => big(i)), ...Array.from({ length: 700 }, small)];
    const chunks = chunkSignedMessages(messages);
    expect(chunks.flat()).toEqual(messages);
    for (const msgs of chunks) {
      expect(msgs.length).toBeLessThanOrEqual(MAX_SYNC_MESSAGES);
      const body = packValue({ kind: 'sync-msgs', scope: 'room:a', msgs });
      expect(FRAME_HEADER_BYTES + body.length).toBeLessThanOrEqual(DEFAULT_MAX_FRAME_BYTES);
    }
  });
});

describe('the exchange between two stores', () => {
  // Timestamps cluster (many equal ones), spread over the window, or sit far in the future.
  const ts = fc.oneof(
    fc.integer({ min: 0, max: 5 }).map((d) => NOW - 1000 + d),
    fc.integer({ min: WINDOW_START, max: NOW + 60_000 }),
    fc.constantFrom(MAX_SYNC_TS, MAX_SYNC_TS - 1, WINDOW_START, NOW + 10 * 365 * 86_400_000),
  );
  const entries = (max: number) =>
    fc.array(ts, { maxLength: max }).map((list) => list.map((t) => entry(t, 'room:a')));

  it('ends with both holding the union, each message sent once, whoever starts', () => {
    fc.assert(
      fc.property(
        entries(400),
        entries(120),
        entries(120),
        fc.boolean(),
        (shared, onlyA, onlyB, aInitiates) => {
          const universe = universeOf(shared, onlyA, onlyB);
          const a = new MemorySyncStore([...shared, ...onlyA]);
          const b = new MemorySyncStore([...shared, ...onlyB]);
          const { sa, sb, stats, events } = reconcile(a, b, universe, { aInitiates });
          const union = new MemorySyncStore([...shared, ...onlyA, ...onlyB]).ids('room:a');
          expect(a.ids('room:a')).toEqual(union);
          expect(b.ids('room:a')).toEqual(union);
          expect(sa.finished && sb.finished).toBe(true);
          expect(sa.fetched).toBe(onlyB.length);
          expect(sb.fetched).toBe(onlyA.length);
          expect(stats.msgs).toBe(onlyA.length + onlyB.length);
          expect(events.a).toEqual([
            ['scope:done', 'room:a', onlyB.length],
            ['done', onlyB.length],
          ]);
          expect(events.b).toEqual([
            ['scope:done', 'room:a', onlyA.length],
            ['done', onlyA.length],
          ]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reconciles several scopes at once without mixing them', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(ts, fc.constantFrom('room:a', 'room:b', 'room:c'), fc.constantFrom('a', 'b', 'both')),
          {
            maxLength: 300,
          },
        ),
        (spec) => {
          const all = spec.map(([t, scope, holder]) => ({ e: entry(t, scope), holder }));
          const universe = universeOf(all.map((x) => x.e));
          const a = new MemorySyncStore(all.filter((x) => x.holder !== 'b').map((x) => x.e));
          const b = new MemorySyncStore(all.filter((x) => x.holder !== 'a').map((x) => x.e));
          // room:c is held by both but shared by neither session: it must stay as it is.
          const scopes = ['room:a', 'room:b'];
          const cBefore = [a.ids('room:c'), b.ids('room:c')];
          const { sa, sb } = reconcile(a, b, universe, { scopesA: scopes, scopesB: scopes });
          for (const scope of scopes) {
            const union = new MemorySyncStore(all.filter((x) => x.e.scope === scope).map((x) => x.e)).ids(
              scope,
            );
            expect(a.ids(scope)).toEqual(union);
            expect(b.ids(scope)).toEqual(union);
          }
          expect([a.ids('room:c'), b.ids('room:c')]).toEqual(cBefore);
          expect(sa.finished && sb.finished).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('moves 10 differences among 100,000 shared messages with little traffic', () => {
    const shared = Array.from({ length: 100_000 }, (_, i) =>
      entry(WINDOW_START + 1000 + Math.floor((i * (DEFAULT_SYNC_WINDOW_MS - 2000)) / 100_000)),
    );
    const onlyA = Array.from({ length: 5 }, (_, i) => entry(WINDOW_START + 10_000_000 * (i + 1) + 7));
    const onlyB = Array.from({ length: 5 }, (_, i) => entry(NOW - 5_000_000 * (i + 1) + 3));
    const universe = universeOf(shared, onlyA, onlyB);
    const a = new MemorySyncStore([...shared, ...onlyA]);
    const b = new MemorySyncStore([...shared, ...onlyB]);
    const { stats } = reconcile(a, b, universe);
    expect(a.ids('room:a')).toEqual(b.ids('room:a'));
    expect(a.ids('room:a')).toHaveLength(100_010);
    expect(stats.msgs).toBe(10);
    // A full id exchange would list 100,000 ids (1.6 MB); the digests narrow it to a few hundred.
    expect(stats.ids).toBeLessThan(2000);
    expect(stats.bytes).toBeLessThan(256 * 1024);
  });

  it('sends everything to a side that holds nothing, without listing ids', () => {
    const all = Array.from({ length: 3000 }, (_, i) => entry(NOW - i * 1000));
    const a = new MemorySyncStore(all);
    const b = new MemorySyncStore();
    const { stats } = reconcile(a, b, universeOf(all), { aInitiates: false });
    expect(b.ids('room:a')).toEqual(a.ids('room:a'));
    expect(stats.msgs).toBe(3000);
    expect(stats.ids).toBe(0);
  });

  it('handles thousands of messages sharing one millisecond (id lists over several messages)', () => {
    const t = NOW - 5000;
    const all = Array.from({ length: 3000 }, () => entry(t));
    const neighbours = Array.from({ length: 200 }, (_, i) => entry(t - 100 + i));
    const a = new MemorySyncStore([...all.filter((_, i) => i % 3 !== 0), ...neighbours]);
    const b = new MemorySyncStore([...all.filter((_, i) => i % 3 !== 1), ...neighbours]);
    const { sa, sb, stats } = reconcile(a, b, universeOf(all, neighbours));
    expect(a.ids('room:a')).toHaveLength(3200);
    // Each side lacks 1,000: the lists spanning several sync-ids are merged before answering, so
    // nothing is pushed that the peer listed in another part.
    expect(stats.msgs).toBe(2000);
    expect(b.ids('room:a')).toEqual(a.ids('room:a'));
    expect(sa.finished && sb.finished).toBe(true);
  });

  it('leaves messages older than the window alone', () => {
    const old = entry(WINDOW_START - 1);
    const recent = entry(WINDOW_START);
    const a = new MemorySyncStore([old, recent]);
    const b = new MemorySyncStore();
    reconcile(a, b, universeOf([old, recent]));
    expect(b.ids('room:a')).toEqual([recent.id]);
  });

  it('finishes when the peer does not share a scope the initiator lists', () => {
    const e = entry(NOW);
    const { sa, sb, events } = reconcile(new MemorySyncStore([e]), new MemorySyncStore(), universeOf([e]), {
      scopesA: ['room:a', 'room:x'],
      scopesB: ['room:a'],
    });
    expect(sa.finished && sb.finished).toBe(true);
    expect(events.a.at(-1)).toEqual(['done', 0]);
    expect(sb.fetched).toBe(1);
  });
});
