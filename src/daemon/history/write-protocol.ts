/**
 * What the event loop and the write worker (write-thread.ts, write-worker-main.ts) say to each other.
 * A batch travels as plain arrays, its payloads and signatures copied into one ArrayBuffer that is
 * transferred, not cloned: a received payload is often a view into a larger frame buffer, and a
 * structured clone of a view copies the whole buffer under it.
 */
import type { StoredMessage } from './store-rows.js';

/** A stored message as an array: its fields in StoredMessage order, the bytes as [offset, length] pairs. */
export type PackedRow = [
  id: string,
  scope: string,
  room: string | null,
  peer: string | null,
  from: string,
  nick: string,
  ts: number,
  text: string,
  action: boolean,
  own: boolean,
  status: StoredMessage['status'],
  via: StoredMessage['via'],
  future: boolean,
  receivedAt: number,
  payloadAt: number,
  payloadLength: number,
  sigAt: number,
  sigLength: number,
];

export interface PackedBatch {
  rows: PackedRow[];
  bytes: ArrayBuffer;
}

export type ToWorker =
  | { type: 'open'; handle: number; seq: number; file: string; ftsBatch: number; shmFd: number | null }
  | { type: 'write'; handle: number; seq: number; batch: PackedBatch }
  | { type: 'prune'; handle: number; seq: number; cutoff: number; maxPerScope: number }
  | { type: 'close'; handle: number; seq: number };

export type FromWorker =
  | { handle: number; seq: number; ok: true; result: unknown; warning?: string }
  | { handle: number; seq: number; ok: false; error: { message: string; code?: string } };

export function packBatch(messages: readonly StoredMessage[]): PackedBatch {
  let size = 0;
  for (const m of messages) size += m.payload.length + m.sig.length;
  const bytes = new Uint8Array(size);
  let at = 0;
  const rows = messages.map((m): PackedRow => {
    const payloadAt = at;
    bytes.set(m.payload, at);
    at += m.payload.length;
    const sigAt = at;
    bytes.set(m.sig, at);
    at += m.sig.length;
    return [
      m.id,
      m.scope,
      m.room,
      m.peer,
      m.from,
      m.nick,
      m.ts,
      m.text,
      m.action,
      m.own,
      m.status,
      m.via,
      m.future,
      m.receivedAt,
      payloadAt,
      m.payload.length,
      sigAt,
      m.sig.length,
    ];
  });
  return { rows, bytes: bytes.buffer };
}

export function unpackBatch({ rows, bytes }: PackedBatch): StoredMessage[] {
  return rows.map((r) => ({
    id: r[0],
    scope: r[1],
    room: r[2],
    peer: r[3],
    from: r[4],
    nick: r[5],
    ts: r[6],
    text: r[7],
    action: r[8],
    own: r[9],
    status: r[10],
    via: r[11],
    future: r[12],
    receivedAt: r[13],
    payload: Buffer.from(bytes, r[14], r[15]),
    sig: Buffer.from(bytes, r[16], r[17]),
  }));
}
