/**
 * The page's read and seen markers (src/web/peer/page-markers.ts, PROTOCOL.md §20) against bad input:
 * a read marker naming a message that is not ours to its sender, or none at all, a seen marker from a
 * node that is not in the room or ahead of its own time, and a malformed marker. Each is dropped (or
 * thrown, for the caller to count against the link) and nothing else moves; an honest one does.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatEvent, ChatMessage } from '../../src/daemon/index.js';
import {
  MessageIdGenerator,
  messageIdToString,
  type NodeIdHex,
  packValue,
  toHex,
  WireError,
} from '../../src/wire/index.js';
import { PageMarkers } from '../../src/web/peer/page-markers.js';
import type { Signed } from '../../src/web/peer/outbound.js';
import type { StoredRow } from '../../src/web/peer/peer-store.js';

const me = new Uint8Array(32).fill(1);
const bob = new Uint8Array(32).fill(2);
const eve = new Uint8Array(32).fill(3);
const ids = new MessageIdGenerator();

function world(readReceipts = true) {
  const events: ChatEvent[] = [];
  const rows = new Map<string, StoredRow>();
  const sent: Record<string, unknown>[] = [];
  const markers = new PageMarkers({
    db: fakeDb,
    ownId: toHex(me),
    sign: (draft) => {
      sent.push(draft as Record<string, unknown>);
      return {} as Signed;
    },
    send: () => undefined,
    emit: (e) => events.push(e),
    inPlainRoom: (room) => room === 'lobby',
    peers: {
      get: (id: NodeIdHex) => (id === toHex(bob) ? ({ rooms: ['lobby'] } as never) : undefined),
      membersOnline: () => [toHex(bob)],
    },
    store: {
      get: async (id: string) => rows.get(id),
      history: async (q) => [...rows.values()].filter((r) => r.peer === q.peer && r.room === null),
    },
    reads: new Map(),
    readReceipts,
    visible: () => true,
  });
  return { events, rows, sent, markers };
}

/** An IndexedDB whose every write succeeds at once (putMeta is all the markers write). */
const fakeDb = {
  transaction: () => {
    const tx = {
      objectStore: () => ({ put: () => undefined }),
      oncomplete: null as null | (() => void),
      onerror: null,
      onabort: null,
      error: null,
    };
    setTimeout(() => tx.oncomplete?.());
    return tx;
  },
} as unknown as IDBDatabase;

function own(rows: Map<string, StoredRow>, fields: Partial<ChatMessage>): ChatMessage {
  const ts = Date.now();
  const id = messageIdToString(ids.next(ts));
  const m = {
    id,
    room: null,
    peer: toHex(bob),
    direct: true,
    from: toHex(me),
    nick: 'me',
    ts,
    text: 'hi',
    action: false,
    own: true,
    status: 'delivered',
    via: 'local',
    future: false,
    ...fields,
  } as ChatMessage;
  rows.set(id, { ...m, conv: `dm:${m.peer}`, payload: new Uint8Array(), sig: new Uint8Array() });
  return m;
}

const idBytes = (id: string) => Uint8Array.from(Buffer.from(id.replaceAll('-', ''), 'hex'));
const marker = (fields: Record<string, unknown>, from = bob, ts = Date.now()) =>
  packValue({ id: ids.next(ts), from, ts, ...fields });
const settle = () => new Promise((ok) => setImmediate(ok));

afterEach(() => vi.useRealTimers());

describe('page markers', () => {
  it('takes a read marker of our own direct message from its recipient, and nothing else', async () => {
    const { events, rows, markers } = world();
    const mine = own(rows, {});
    const theirs = own(rows, { own: false, from: toHex(bob) });

    // From a third node about our message to bob; about bob's own message; about no message at all.
    expect(markers.receive(marker({ kind: 'read', to: me, of: idBytes(mine.id) }, eve))).toBe(true);
    expect(markers.receive(marker({ kind: 'read', to: me, of: idBytes(theirs.id) }))).toBe(true);
    expect(markers.receive(marker({ kind: 'read', to: me, of: new Uint8Array(16).fill(9) }))).toBe(true);
    // For another node: relayed by the node, not ours to count.
    expect(markers.receive(marker({ kind: 'read', to: eve, of: idBytes(mine.id) }))).toBe(true);
    await settle();
    expect(events).toEqual([]);
    expect(markers.dropped).toBe(3);
    expect(markers.message(mine).status).toBe('delivered');

    expect(markers.receive(marker({ kind: 'read', to: me, of: idBytes(mine.id) }))).toBe(true);
    await settle();
    expect(events).toEqual([{ type: 'read', peer: toHex(bob), ts: mine.ts, id: mine.id }]);
    expect(markers.message(mine).status).toBe('read');
    // One older still without a receipt may never have arrived: read up to a later one leaves it sent.
    expect(
      markers.message({ ...mine, id: `${mine.id.slice(0, -1)}0`, ts: mine.ts - 1, status: 'sent' }).status,
    ).toBe('sent');
    markers.stop();
  });

  it('counts a seen marker only from a member of the room, never one ahead of its own time', () => {
    const { events, rows, markers } = world();
    const sent = own(rows, { room: 'lobby', peer: null, direct: false, status: null });
    markers.take({ type: 'message', message: sent });
    expect(markers.message(sent).seen).toEqual({ count: 0, of: 1 });

    const at = { kind: 'seen', room: 'lobby', upto: idBytes(sent.id) };
    markers.receive(marker({ ...at, at: sent.ts }, eve)); // not in the room
    markers.receive(marker({ ...at, at: sent.ts + 3_600_000 })); // an hour past its own time
    markers.receive(marker({ ...at, room: 'elsewhere', at: sent.ts })); // not our room: relayed only
    expect(events).toEqual([]);
    expect(markers.dropped).toBe(2);

    markers.receive(marker({ ...at, at: sent.ts }));
    expect(events).toEqual([{ type: 'seen', id: sent.id, room: 'lobby', count: 1, of: 1 }]);
    expect(markers.message(sent).seen).toEqual({ count: 1, of: 1 });
    markers.stop();
  });

  it('sends no read marker while read receipts are off, and reads the open conversation when turned on', async () => {
    vi.useFakeTimers();
    const { rows, sent, markers } = world(false);
    const theirs = own(rows, { own: false, from: toHex(bob) });
    await markers.setShown({ kind: 'direct', peer: toHex(bob) });
    markers.take({ type: 'message', message: theirs });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent).toEqual([]);

    const on = markers.setReadReceipts(true);
    await vi.advanceTimersByTimeAsync(5_000);
    await on;
    expect(markers.readReceipts).toBe(true);
    expect(sent.map((d) => d.kind)).toEqual(['read']);
    markers.stop();
  });

  it('throws on a malformed marker (the caller counts it against the link) and passes other kinds on', () => {
    const { markers } = world();
    expect(() => markers.receive(marker({ kind: 'read', to: me, of: 'not bytes' }))).toThrow(WireError);
    expect(() =>
      markers.receive(marker({ kind: 'seen', room: '', at: 1, upto: new Uint8Array(16) })),
    ).toThrow(WireError);
    expect(markers.receive(marker({ kind: 'file', name: 'x' }))).toBe(false);
    markers.stop();
  });
});
