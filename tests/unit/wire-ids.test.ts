/**
 * Message ids: UUIDv7 bytes whose first 48 bits are the origin's clock, so ids sort in time order and
 * the history can be cut into time ranges. Also the text forms used by APIs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fromHex,
  MESSAGE_ID_BYTES,
  messageIdFromString,
  messageIdTime,
  messageIdToString,
  MessageIdGenerator,
  newMessageId,
  toHex,
  WireError,
} from '../../src/wire/index.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const msecsArb = fc.integer({ min: 0, max: 2 ** 48 - 1 });

describe('newMessageId', () => {
  it('is a 16-byte UUIDv7 (version 7, RFC 9562 variant)', () => {
    for (let i = 0; i < 100; i++) {
      const id = newMessageId();
      expect(id).toHaveLength(MESSAGE_ID_BYTES);
      expect(id[6] >> 4).toBe(7);
      expect(id[8] >> 6).toBe(0b10);
      expect(messageIdToString(id)).toMatch(UUID_V7);
    }
  });

  it('carries the given milliseconds, which messageIdTime reads back', () => {
    fc.assert(
      fc.property(msecsArb, (msecs) => {
        expect(messageIdTime(newMessageId(msecs))).toBe(msecs);
      }),
    );
  });

  it('carries the current time when none is given', () => {
    const before = Date.now();
    const t = messageIdTime(newMessageId());
    const after = Date.now();
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(after);
  });

  it('ids made in sequence sort (bytewise and as text) in the order they were made', () => {
    const ids = Array.from({ length: 5000 }, () => newMessageId());
    for (let i = 1; i < ids.length; i++) {
      expect(Buffer.compare(Buffer.from(ids[i - 1]), Buffer.from(ids[i]))).toBe(-1);
      expect(messageIdToString(ids[i - 1]) < messageIdToString(ids[i])).toBe(true);
      expect(messageIdTime(ids[i - 1])).toBeLessThanOrEqual(messageIdTime(ids[i]));
    }
  });

  it('ids made for one given millisecond (the node passes its clock) still sort in the order made', () => {
    // A pasted block of lines is sent in one tick, all stamped with the same ts: history orders by
    // (ts, id), so only the id keeps the lines in order at every node.
    const msecs = 1_700_000_000_123;
    const ids = Array.from({ length: 1000 }, () => messageIdToString(newMessageId(msecs)));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('ids of later milliseconds sort after ids of earlier ones', () => {
    fc.assert(
      fc.property(msecsArb, msecsArb, (a, b) => {
        fc.pre(a !== b);
        const order = Math.sign(Buffer.compare(Buffer.from(newMessageId(a)), Buffer.from(newMessageId(b))));
        expect(order).toBe(a < b ? -1 : 1);
      }),
    );
  });
});

describe('text form', () => {
  it('round-trips through messageIdToString and messageIdFromString', () => {
    fc.assert(
      fc.property(msecsArb, (msecs) => {
        const id = newMessageId(msecs);
        const text = messageIdToString(id);
        expect(text).toMatch(UUID_V7);
        expect(Buffer.from(messageIdFromString(text)).equals(Buffer.from(id))).toBe(true);
        expect(Buffer.from(messageIdFromString(text.toUpperCase())).equals(Buffer.from(id))).toBe(true);
      }),
    );
  });

  it('messageIdToString formats any 16 bytes, since peers only guarantee the length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (id) => {
        const text = messageIdToString(id);
        expect(text.replaceAll('-', '')).toBe(toHex(id));
        expect(text).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      }),
    );
    expect(() => messageIdToString(new Uint8Array(15))).toThrow(WireError);
  });

  it('messageIdFromString refuses anything but a UUIDv7', () => {
    for (const bad of [
      '',
      'zzz',
      '3d6f4c5e-8a1b-4c2d-9e3f-0a1b2c3d4e5f',
      '0192e3c4-7f1a-7c3e-9d2b-5a1f0e8c4b2',
      'x'.repeat(36),
    ]) {
      expect(() => messageIdFromString(bad)).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }));
    }
  });

  it('toHex and fromHex are inverse', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(fromHex(toHex(bytes))).toEqual(bytes);
        expect(toHex(bytes)).toMatch(/^([0-9a-f]{2})*$/);
      }),
    );
    // A view into a larger buffer converts only its own bytes.
    const big = Uint8Array.from([1, 2, 3, 4]);
    expect(toHex(big.subarray(1, 3))).toBe('0203');
  });
});

describe('MessageIdGenerator', () => {
  it('keeps its counter to itself and seeds it from the random it is handed', () => {
    const msecs = 1_700_000_000_456;
    const a = new MessageIdGenerator(() => 0);
    const b = new MessageIdGenerator(() => 0);
    const first = messageIdToString(a.next(msecs));
    // Ids made elsewhere (another generator, the tools' newMessageId) do not move a's or b's counter.
    newMessageId(msecs);
    const second = messageIdToString(a.next(msecs));
    // The counter (seeded at 0 by this random) is in the 12 bits after the version nibble and the bits
    // after the variant; the rest of an id is random, so compare up to there.
    const counterPart = (id: string) => id.slice(0, 23);
    expect(counterPart(first)).toBe('018bcfe5-69c8-7000-8000');
    expect(counterPart(messageIdToString(b.next(msecs)))).toBe(counterPart(first));
    expect(first < second).toBe(true);
    const c = new MessageIdGenerator(() => 0.5);
    expect(counterPart(messageIdToString(c.next(msecs)))).not.toBe(counterPart(first));
  });
});
