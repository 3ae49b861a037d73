/**
 * Read and seen markers on the wire (PROTOCOL.md §20): a marker survives MessagePack and its schema
 * unchanged, and each malformed field is refused with SCHEMA_INVALID naming the field.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_MARKER_ROOM_CHARS,
  newMessageId,
  packValue,
  READ_MARKER_SCHEMA,
  SEEN_MARKER_SCHEMA,
  unpackValue,
  WireError,
} from '../../src/wire/index.js';

const node = (fill: number) => new Uint8Array(32).fill(fill);

function readMarker(): Record<string, unknown> {
  return {
    kind: 'read',
    id: newMessageId(),
    from: node(1),
    ts: 1_700_000_000_000,
    to: node(2),
    of: newMessageId(),
  };
}

function seenMarker(): Record<string, unknown> {
  return {
    kind: 'seen',
    id: newMessageId(),
    from: node(3),
    ts: 1_700_000_000_500,
    room: 'lobby',
    at: 1_700_000_000_000,
    upto: newMessageId(),
  };
}

/** Through MessagePack and back, then the schema; byte fields as plain arrays to compare. */
function wire(
  schema: typeof READ_MARKER_SCHEMA | typeof SEEN_MARKER_SCHEMA,
  value: unknown,
): Record<string, unknown> {
  const out = schema(unpackValue(packValue(value)), 'payload') as Record<string, unknown>;
  return plain(out);
}

function plain(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, v instanceof Uint8Array ? Array.from(v) : v]),
  );
}

function refused(run: () => unknown, field: string): void {
  let caught: unknown;
  try {
    run();
  } catch (err) {
    caught = err;
  }
  expect(caught, `${field} should be refused`).toBeInstanceOf(WireError);
  expect((caught as WireError).code).toBe('SCHEMA_INVALID');
  expect((caught as Error).message).toContain(field);
}

describe('markers codec', () => {
  it('a read marker round-trips', () => {
    const m = readMarker();
    const { kind: _kind, ...fields } = m;
    expect(wire(READ_MARKER_SCHEMA, m)).toEqual(plain(fields));
  });

  it('a seen marker round-trips, a room id at the longest allowed too', () => {
    const m = seenMarker();
    const { kind: _kind, ...fields } = m;
    expect(wire(SEEN_MARKER_SCHEMA, m)).toEqual(plain(fields));
    const long = { ...m, room: 'r'.repeat(MAX_MARKER_ROOM_CHARS) };
    expect(wire(SEEN_MARKER_SCHEMA, long).room).toHaveLength(MAX_MARKER_ROOM_CHARS);
  });

  it('malformed read markers are refused, field by field', () => {
    refused(() => wire(READ_MARKER_SCHEMA, { ...readMarker(), of: new Uint8Array(3) }), 'of');
    refused(() => wire(READ_MARKER_SCHEMA, { ...readMarker(), to: new Uint8Array(31) }), 'to');
    refused(() => wire(READ_MARKER_SCHEMA, { ...readMarker(), to: 'not bytes' }), 'to');
    refused(() => wire(READ_MARKER_SCHEMA, { ...readMarker(), ts: -1 }), 'ts');
    const { of: _of, ...missing } = readMarker();
    refused(() => wire(READ_MARKER_SCHEMA, missing), 'of');
    refused(() => wire(READ_MARKER_SCHEMA, ['read']), 'payload');
  });

  it('malformed seen markers are refused, field by field', () => {
    refused(() => wire(SEEN_MARKER_SCHEMA, { ...seenMarker(), room: '' }), 'room');
    refused(
      () => wire(SEEN_MARKER_SCHEMA, { ...seenMarker(), room: 'r'.repeat(MAX_MARKER_ROOM_CHARS + 1) }),
      'room',
    );
    refused(() => wire(SEEN_MARKER_SCHEMA, { ...seenMarker(), at: 1.5 }), 'at');
    refused(() => wire(SEEN_MARKER_SCHEMA, { ...seenMarker(), upto: new Uint8Array(17) }), 'upto');
    refused(() => wire(SEEN_MARKER_SCHEMA, { ...seenMarker(), from: node(1).slice(0, 8) }), 'from');
  });
});
