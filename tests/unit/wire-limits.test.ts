/**
 * Every limit of protocol v1 probed at the limit (accepted) and one past it (refused with a typed error
 * naming the field). The numbers come from src/wire/constants.ts, so PROTOCOL.md, the code and these
 * tests cannot drift apart silently.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_FRAME_BYTES,
  decodePayload,
  encodeFrame,
  encodePayload,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  type LinkMessage,
  MAX_ADDRESS_CHARS,
  MAX_ADDRESSES_PER_PEER,
  MAX_BOX_BYTES,
  MAX_ERROR_CODE_CHARS,
  MAX_FEATURES,
  MAX_HOPS,
  MAX_NICK_CHARS,
  MAX_PAYLOAD_BYTES,
  MAX_PEERS_PER_EXCHANGE,
  MAX_REASON_CHARS,
  MAX_ROOM_CHARS,
  MAX_ROOMS,
  MAX_SCOPE_CHARS,
  MAX_SYNC_IDS,
  MAX_SYNC_MESSAGES,
  MAX_SYNC_RANGES,
  MAX_TEXT_BYTES,
  MAX_TEXT_CHARS,
  MESSAGE_ID_BYTES,
  NODE_ID_BYTES,
  NONCE_BYTES,
  packValue,
  type Payload,
  SIGNATURE_BYTES,
  SYNC_HASH_BYTES,
  text,
  WireError,
  X25519_KEY_BYTES,
} from '../../src/wire/index.js';

const bytes = (n: number, fill = 1) => Buffer.alloc(n, fill);
const repeat = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

/** Decodes one message through the real frame decoder (encodeFrame does not validate, so bad ones go out). */
function roundTrip(message: Record<string, unknown>, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): LinkMessage {
  const out = new FrameDecoder({ maxFrameBytes }).push(encodeFrame(message, Number.MAX_SAFE_INTEGER));
  expect(out).toHaveLength(1);
  return out[0];
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw, got none');
}

/** The decoder refuses `message` with SCHEMA_INVALID and a message naming `path`. */
function expectRefused(message: Record<string, unknown>, path: string): void {
  const err = caught(() => roundTrip(message));
  expect(err).toBeInstanceOf(WireError);
  expect((err as WireError).code).toBe('SCHEMA_INVALID');
  expect((err as WireError).message).toContain(`${path}:`);
}

/** As expectRefused for payloads; `payload.x` in `path` stands for `<kind>.x`, as errors name the kind. */
function expectPayloadRefused(payload: Record<string, unknown>, path: string): void {
  const err = caught(() => decodePayload(packValue(payload)));
  expect(err).toBeInstanceOf(WireError);
  expect((err as WireError).code).toBe('SCHEMA_INVALID');
  expect((err as WireError).message).toContain(`${path.replace(/^payload\./, `${String(payload.kind)}.`)}:`);
  // The sending side refuses it too, so a node never signs what its peers would drop.
  expect(() => encodePayload(payload as unknown as Payload)).toThrow(WireError);
}

const hello = (over: Record<string, unknown> = {}) => ({
  kind: 'hello',
  v: 1,
  id: bytes(NODE_ID_BYTES),
  xkey: bytes(X25519_KEY_BYTES),
  nick: 'alice',
  nonce: bytes(NONCE_BYTES),
  port: 7000,
  rooms: ['lobby'],
  ...over,
});
const flood = (over: Record<string, unknown> = {}) => ({
  kind: 'flood',
  id: bytes(MESSAGE_ID_BYTES),
  hops: 16,
  payload: bytes(10),
  sig: bytes(SIGNATURE_BYTES),
  ...over,
});
const peer = (over: Record<string, unknown> = {}) => ({
  id: bytes(NODE_ID_BYTES),
  addrs: ['10.0.0.1:7000'],
  ...over,
});
const base = { id: bytes(MESSAGE_ID_BYTES), from: bytes(NODE_ID_BYTES), ts: 1_700_000_000_000 };
const chat = (over: Record<string, unknown> = {}) => ({
  kind: 'chat',
  ...base,
  room: 'lobby',
  nick: 'bob',
  text: 'hi',
  ...over,
});
const presence = (over: Record<string, unknown> = {}) => ({
  kind: 'presence',
  ...base,
  event: 'here',
  nick: 'bob',
  xkey: bytes(X25519_KEY_BYTES),
  rooms: ['lobby'],
  ...over,
});
const direct = (over: Record<string, unknown> = {}) => ({
  kind: 'direct',
  ...base,
  to: bytes(NODE_ID_BYTES),
  box: bytes(80),
  ...over,
});
const receipt = (over: Record<string, unknown> = {}) => ({
  kind: 'receipt',
  ...base,
  to: bytes(NODE_ID_BYTES),
  of: bytes(MESSAGE_ID_BYTES),
  ...over,
});

describe('frame size', () => {
  /** A frame of an unknown kind whose body is exactly `size` bytes (the decoder ignores its content). */
  function frameWithBody(size: number): Buffer {
    // The bin header grows with the pad (bin8, bin16, bin32): search the pad length that lands on `size`.
    for (let pad = Math.max(0, size - 40); pad <= size; pad++) {
      const message = { kind: 'x-pad', pad: Buffer.alloc(pad) };
      if (packValue(message).length === size) return Buffer.from(encodeFrame(message, size));
    }
    throw new Error(`no pad gives a body of ${size} bytes`);
  }

  it('accepts a body of exactly the default 256 KiB limit', () => {
    expect(DEFAULT_MAX_FRAME_BYTES).toBe(256 * 1024);
    const frame = frameWithBody(DEFAULT_MAX_FRAME_BYTES);
    const decoder = new FrameDecoder();
    expect(decoder.push(frame)).toEqual([]);
    expect(decoder.ignored).toBe(1);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('refuses one byte past the default limit as soon as the 4-byte header arrives', () => {
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt32BE(DEFAULT_MAX_FRAME_BYTES + 1);
    const decoder = new FrameDecoder();
    // Only the header is pushed: the refusal cannot depend on (or wait for, or buffer) the body.
    const err = caught(() => decoder.push(header));
    expect(err).toBeInstanceOf(WireError);
    expect((err as WireError).code).toBe('FRAME_TOO_LARGE');
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('refuses the largest declarable length (4 GiB - 1) from the header alone', () => {
    const decoder = new FrameDecoder();
    expect(() => decoder.push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(
      expect.objectContaining({ code: 'FRAME_TOO_LARGE' }),
    );
  });

  it('refuses an oversized header even when it arrives split across pushes', () => {
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt32BE(DEFAULT_MAX_FRAME_BYTES + 1);
    const decoder = new FrameDecoder();
    expect(decoder.push(header.subarray(0, 2))).toEqual([]);
    expect(decoder.push(header.subarray(2, 3))).toEqual([]);
    expect(() => decoder.push(header.subarray(3))).toThrow(
      expect.objectContaining({ code: 'FRAME_TOO_LARGE' }),
    );
  });

  it('honours a custom small limit: at the limit decodes, one past is refused from the header', () => {
    const limit = 64;
    const atLimit = frameWithBody(limit);
    expect(atLimit.length).toBe(FRAME_HEADER_BYTES + limit);
    const decoder = new FrameDecoder({ maxFrameBytes: limit });
    expect(decoder.push(atLimit)).toEqual([]);
    expect(decoder.ignored).toBe(1);

    const over = frameWithBody(limit + 1);
    const small = new FrameDecoder({ maxFrameBytes: limit });
    expect(() => small.push(over.subarray(0, FRAME_HEADER_BYTES))).toThrow(
      expect.objectContaining({ code: 'FRAME_TOO_LARGE' }),
    );
    // A decoder with the default limit takes the same frame.
    expect(new FrameDecoder().push(over)).toEqual([]);
  });

  it('encodeFrame refuses a body above its limit and accepts one at it', () => {
    const body = packValue({ kind: 'ping', n: 1 });
    expect(encodeFrame({ kind: 'ping', n: 1 }, body.length)).toHaveLength(FRAME_HEADER_BYTES + body.length);
    expect(() => encodeFrame({ kind: 'ping', n: 1 }, body.length - 1)).toThrow(
      expect.objectContaining({ code: 'FRAME_TOO_LARGE' }),
    );
  });
});

describe('nick', () => {
  it(`accepts ${MAX_NICK_CHARS} characters and refuses ${MAX_NICK_CHARS + 1}`, () => {
    expect(roundTrip(hello({ nick: 'n'.repeat(MAX_NICK_CHARS) }))).toMatchObject({ nick: 'n'.repeat(32) });
    expectRefused(hello({ nick: 'n'.repeat(MAX_NICK_CHARS + 1) }), 'hello.nick');
  });

  it('counts characters (code points), not UTF-16 units or bytes', () => {
    const astral = '𝟘'.repeat(MAX_NICK_CHARS); // 64 UTF-16 units, 128 bytes
    expect(roundTrip(hello({ nick: astral }))).toMatchObject({ nick: astral });
    expectRefused(hello({ nick: astral + '𝟘' }), 'hello.nick');
  });

  it('accepts letters and digits of any script and _ - .', () => {
    for (const nick of ['Ålice', 'борис', '中文', 'x_y-z.w', '٣٣', 'A1']) {
      expect(roundTrip(hello({ nick }))).toMatchObject({ nick });
    }
  });

  it('refuses empty nicks, spaces, symbols, emoji and control characters', () => {
    for (const nick of [
      '',
      'a b',
      'a@b',
      'a/b',
      'smile😀',
      'bell\u0007',
      'tab\t',
      'esc\u001b[31m',
      'zw\u200bj',
    ]) {
      expectRefused(hello({ nick }), 'hello.nick');
    }
  });

  it('applies in peers, chat, presence, presence.old and direct plaintext', () => {
    expectRefused({ kind: 'peers', peers: [peer({ nick: 'x'.repeat(33) })] }, 'peers.peers[0].nick');
    expectPayloadRefused(chat({ nick: 'x'.repeat(33) }), 'payload.nick');
    expectPayloadRefused(presence({ nick: 'a b' }), 'payload.nick');
    expectPayloadRefused(presence({ event: 'nick', old: 'x'.repeat(33) }), 'payload.old');
    expect(decodePayload(encodePayload(chat({ nick: 'x'.repeat(32) }) as Payload))).toMatchObject({
      nick: 'x'.repeat(32),
    });
  });
});

describe('room', () => {
  it(`accepts ${MAX_ROOM_CHARS} characters and refuses ${MAX_ROOM_CHARS + 1}`, () => {
    expect(decodePayload(encodePayload(chat({ room: 'r'.repeat(MAX_ROOM_CHARS) }) as Payload))).toMatchObject(
      {
        room: 'r'.repeat(48),
      },
    );
    expectPayloadRefused(chat({ room: 'r'.repeat(MAX_ROOM_CHARS + 1) }), 'payload.room');
    expectRefused(hello({ rooms: ['r'.repeat(MAX_ROOM_CHARS + 1)] }), 'hello.rooms[0]');
  });

  it('accepts lower-case and caseless letters, digits and _ - .; refuses capitals, spaces and symbols', () => {
    for (const room of ['lobby', 'général', 'чат', '中文', 'a_b-c.d', '42']) {
      expect(roundTrip(hello({ rooms: [room] }))).toMatchObject({ rooms: [room] });
    }
    for (const room of ['', 'Lobby', 'ÉCOLE', 'a b', '#lobby', 'a/b', 'x\u0000']) {
      expectRefused(hello({ rooms: [room] }), 'hello.rooms[0]');
    }
  });
});

describe('text', () => {
  it(`chat text: ${MAX_TEXT_CHARS} characters accepted, ${MAX_TEXT_CHARS + 1} refused, empty refused`, () => {
    const t = 'x'.repeat(MAX_TEXT_CHARS);
    expect(decodePayload(encodePayload(chat({ text: t }) as Payload))).toMatchObject({ text: t });
    expectPayloadRefused(chat({ text: t + 'x' }), 'payload.text');
    expectPayloadRefused(chat({ text: '' }), 'payload.text');
  });

  it('chat text of 4,000 four-byte characters (16,000 bytes) is within the byte limit too', () => {
    const t = '😀'.repeat(MAX_TEXT_CHARS);
    expect(Buffer.byteLength(t)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    expect(decodePayload(encodePayload(chat({ text: t }) as Payload))).toMatchObject({ text: t });
  });

  it('the byte bound of a text check is enforced at the limit and one past it', () => {
    // 4,000 code points never exceed 16 KiB of UTF-8, so the byte bound is probed on a smaller check.
    const check = text(10, { maxBytes: 8 });
    expect(check('éééé', 'f')).toBe('éééé'); // 8 bytes
    expect(() => check('ééééx', 'f')).toThrow(/f: expected at most 8 bytes of UTF-8/);
  });

  it('refuses text with a lone surrogate, which has no UTF-8 form', () => {
    const payload = chat({ text: 'a\ud800b' });
    expect(() => encodePayload(payload as Payload)).toThrow(/chat\.text: expected well-formed Unicode text/);
    // Packed anyway, it becomes invalid UTF-8, which the receiving side refuses as malformed MessagePack.
    expect(() => decodePayload(packValue(payload))).toThrow(
      expect.objectContaining({ code: 'FRAME_MALFORMED' }),
    );
  });

  it(`reason: ${MAX_REASON_CHARS} accepted, ${MAX_REASON_CHARS + 1} refused (bye and error)`, () => {
    expect(roundTrip({ kind: 'bye', reason: 'r'.repeat(MAX_REASON_CHARS) })).toMatchObject({ kind: 'bye' });
    expectRefused({ kind: 'bye', reason: 'r'.repeat(MAX_REASON_CHARS + 1) }, 'bye.reason');
    expectRefused({ kind: 'error', code: 'X', reason: 'r'.repeat(MAX_REASON_CHARS + 1) }, 'error.reason');
  });

  it(`error code: 1..${MAX_ERROR_CODE_CHARS} characters`, () => {
    expect(roundTrip({ kind: 'error', code: 'C'.repeat(MAX_ERROR_CODE_CHARS) })).toMatchObject({
      kind: 'error',
    });
    expectRefused({ kind: 'error', code: 'C'.repeat(MAX_ERROR_CODE_CHARS + 1) }, 'error.code');
    expectRefused({ kind: 'error', code: '' }, 'error.code');
  });

  it(`sync scope: 1..${MAX_SCOPE_CHARS} characters`, () => {
    expect(roundTrip({ kind: 'sync-done', scope: 's'.repeat(MAX_SCOPE_CHARS) })).toMatchObject({
      kind: 'sync-done',
    });
    expectRefused({ kind: 'sync-done', scope: 's'.repeat(MAX_SCOPE_CHARS + 1) }, 'sync-done.scope');
    expectRefused({ kind: 'sync-done', scope: '' }, 'sync-done.scope');
  });

  it(`peer address: 1..${MAX_ADDRESS_CHARS} characters`, () => {
    const at = 'a'.repeat(MAX_ADDRESS_CHARS);
    expect(roundTrip({ kind: 'peers', peers: [peer({ addrs: [at] })] })).toMatchObject({ kind: 'peers' });
    expectRefused({ kind: 'peers', peers: [peer({ addrs: [at + 'a'] })] }, 'peers.peers[0].addrs[0]');
    expectRefused({ kind: 'peers', peers: [peer({ addrs: [''] })] }, 'peers.peers[0].addrs[0]');
  });

  it('hello feature names: 1..32 characters', () => {
    expect(roundTrip(hello({ features: ['f'.repeat(32)] }))).toMatchObject({ features: ['f'.repeat(32)] });
    expectRefused(hello({ features: ['f'.repeat(33)] }), 'hello.features[0]');
    expectRefused(hello({ features: [''] }), 'hello.features[0]');
  });
});

describe('binary fields have exact lengths', () => {
  const cases: [string, (b: Buffer) => Record<string, unknown>, number, string][] = [
    ['hello.id', (b) => hello({ id: b }), NODE_ID_BYTES, 'hello.id'],
    ['hello.xkey', (b) => hello({ xkey: b }), X25519_KEY_BYTES, 'hello.xkey'],
    ['hello.nonce', (b) => hello({ nonce: b }), NONCE_BYTES, 'hello.nonce'],
    ['hello-ack.sig', (b) => ({ kind: 'hello-ack', sig: b }), SIGNATURE_BYTES, 'hello-ack.sig'],
    ['flood.id', (b) => flood({ id: b }), MESSAGE_ID_BYTES, 'flood.id'],
    ['flood.sig', (b) => flood({ sig: b }), SIGNATURE_BYTES, 'flood.sig'],
    ['peers[].id', (b) => ({ kind: 'peers', peers: [peer({ id: b })] }), NODE_ID_BYTES, 'peers.peers[0].id'],
    [
      'sync-digest.ranges[].hash',
      (b) => ({ kind: 'sync-digest', scope: 'lobby', ranges: [{ from: 0, to: 1, count: 0, hash: b }] }),
      SYNC_HASH_BYTES,
      'sync-digest.ranges[0].hash',
    ],
    [
      'sync-ids.ids[]',
      (b) => ({ kind: 'sync-ids', scope: 's', from: 0, to: 1, ids: [b] }),
      MESSAGE_ID_BYTES,
      'sync-ids.ids[0]',
    ],
    [
      'sync-want.ids[]',
      (b) => ({ kind: 'sync-want', scope: 's', ids: [b] }),
      MESSAGE_ID_BYTES,
      'sync-want.ids[0]',
    ],
    [
      'sync-msgs.msgs[].id',
      (b) => ({ kind: 'sync-msgs', scope: 's', msgs: [{ id: b, payload: bytes(5), sig: bytes(64) }] }),
      MESSAGE_ID_BYTES,
      'sync-msgs.msgs[0].id',
    ],
    [
      'sync-msgs.msgs[].sig',
      (b) => ({ kind: 'sync-msgs', scope: 's', msgs: [{ id: bytes(16), payload: bytes(5), sig: b }] }),
      SIGNATURE_BYTES,
      'sync-msgs.msgs[0].sig',
    ],
  ];
  for (const [name, make, n, path] of cases) {
    it(`${name}: ${n} bytes accepted, ${n - 1} and ${n + 1} refused, a string refused`, () => {
      expect(roundTrip(make(bytes(n)))).toBeTruthy();
      expectRefused(make(bytes(n - 1)), path);
      expectRefused(make(bytes(n + 1)), path);
      expectRefused(make('x'.repeat(n) as unknown as Buffer), path);
    });
  }

  const payloadCases: [string, (b: Buffer) => Record<string, unknown>, number][] = [
    ['id', (b) => chat({ id: b }), MESSAGE_ID_BYTES],
    ['from', (b) => chat({ from: b }), NODE_ID_BYTES],
    ['to', (b) => direct({ to: b }), NODE_ID_BYTES],
    ['of', (b) => receipt({ of: b }), MESSAGE_ID_BYTES],
    ['xkey', (b) => presence({ xkey: b }), X25519_KEY_BYTES],
  ];
  for (const [field, make, n] of payloadCases) {
    it(`payload.${field}: ${n} bytes accepted, ${n - 1} and ${n + 1} refused`, () => {
      expect(decodePayload(encodePayload(make(bytes(n)) as unknown as Payload))).toBeTruthy();
      expectPayloadRefused(make(bytes(n - 1)), `payload.${field}`);
      expectPayloadRefused(make(bytes(n + 1)), `payload.${field}`);
    });
  }
});

describe('integers', () => {
  it(`hops: ${MAX_HOPS} accepted, ${MAX_HOPS + 1} refused, 0 accepted (a relay just does not forward)`, () => {
    expect(roundTrip(flood({ hops: MAX_HOPS }))).toMatchObject({ hops: 64 });
    expect(roundTrip(flood({ hops: 0 }))).toMatchObject({ hops: 0 });
    expectRefused(flood({ hops: MAX_HOPS + 1 }), 'flood.hops');
    expectRefused(flood({ hops: -1 }), 'flood.hops');
  });

  it('port: 0..65535; v: 0..65535', () => {
    expect(roundTrip(hello({ port: 65535, v: 65535 }))).toMatchObject({ port: 65535, v: 65535 });
    expectRefused(hello({ port: 65536 }), 'hello.port');
    expectRefused(hello({ v: 65536 }), 'hello.v');
  });

  it('unbounded integers accept 2^53 - 1 and refuse 2^53, negatives and fractions', () => {
    expect(roundTrip({ kind: 'ping', n: Number.MAX_SAFE_INTEGER })).toEqual({ kind: 'ping', n: 2 ** 53 - 1 });
    expectRefused({ kind: 'ping', n: 2 ** 53 }, 'ping.n');
    expectRefused({ kind: 'ping', n: -1 }, 'ping.n');
    expectRefused({ kind: 'ping', n: 1.5 }, 'ping.n');
    expectRefused({ kind: 'ping', n: '1' }, 'ping.n');
    expectPayloadRefused(chat({ ts: -5 }), 'payload.ts');
  });
});

describe('lists', () => {
  const id = (i: number) => {
    const b = Buffer.alloc(MESSAGE_ID_BYTES);
    b.writeUInt32BE(i);
    return b;
  };
  const cases: [string, (n: number) => Record<string, unknown>, number, string][] = [
    [
      'peers',
      (n) => ({ kind: 'peers', peers: repeat(n, () => peer()) }),
      MAX_PEERS_PER_EXCHANGE,
      'peers.peers',
    ],
    [
      'peer addresses',
      (n) => ({ kind: 'peers', peers: [peer({ addrs: repeat(n, (i) => `10.0.0.${i}:7000`) })] }),
      MAX_ADDRESSES_PER_PEER,
      'peers.peers[0].addrs',
    ],
    ['hello rooms', (n) => hello({ rooms: repeat(n, (i) => `room${i}`) }), MAX_ROOMS, 'hello.rooms'],
    ['hello features', (n) => hello({ features: repeat(n, (i) => `f${i}`) }), MAX_FEATURES, 'hello.features'],
    [
      'sync ranges',
      (n) => ({
        kind: 'sync-digest',
        scope: 'lobby',
        ranges: repeat(n, (i) => ({ from: i, to: i + 1, count: 1, hash: bytes(SYNC_HASH_BYTES) })),
      }),
      MAX_SYNC_RANGES,
      'sync-digest.ranges',
    ],
    [
      'sync-ids ids',
      (n) => ({ kind: 'sync-ids', scope: 'lobby', from: 0, to: 9, ids: repeat(n, id) }),
      MAX_SYNC_IDS,
      'sync-ids.ids',
    ],
    [
      'sync-want ids',
      (n) => ({ kind: 'sync-want', scope: 'lobby', ids: repeat(n, id) }),
      MAX_SYNC_IDS,
      'sync-want.ids',
    ],
    [
      'sync msgs',
      (n) => ({
        kind: 'sync-msgs',
        scope: 'lobby',
        msgs: repeat(n, (i) => ({ id: id(i), payload: bytes(20), sig: bytes(SIGNATURE_BYTES) })),
      }),
      MAX_SYNC_MESSAGES,
      'sync-msgs.msgs',
    ],
  ];
  for (const [name, make, max, path] of cases) {
    it(`${name}: ${max} items accepted, ${max + 1} refused`, () => {
      expect(roundTrip(make(max))).toBeTruthy();
      expectRefused(make(max + 1), path);
    });
  }

  it(`presence rooms: ${MAX_ROOMS} accepted, ${MAX_ROOMS + 1} refused`, () => {
    const rooms = (n: number) => repeat(n, (i) => `room${i}`);
    expect(decodePayload(encodePayload(presence({ rooms: rooms(MAX_ROOMS) }) as Payload))).toBeTruthy();
    expectPayloadRefused(presence({ rooms: rooms(MAX_ROOMS + 1) }), 'payload.rooms');
  });
});

describe('payload and box bytes', () => {
  it(`flood payload: 1..${MAX_PAYLOAD_BYTES} bytes`, () => {
    expect(roundTrip(flood({ payload: bytes(MAX_PAYLOAD_BYTES) }))).toMatchObject({ kind: 'flood' });
    expectRefused(flood({ payload: bytes(MAX_PAYLOAD_BYTES + 1) }), 'flood.payload');
    expectRefused(flood({ payload: bytes(0) }), 'flood.payload');
  });

  it(`sync-msgs payload: 1..${MAX_PAYLOAD_BYTES} bytes`, () => {
    const msg = (n: number) => ({
      kind: 'sync-msgs',
      scope: 's',
      msgs: [{ id: bytes(16), payload: bytes(n), sig: bytes(64) }],
    });
    expect(roundTrip(msg(MAX_PAYLOAD_BYTES))).toMatchObject({ kind: 'sync-msgs' });
    expectRefused(msg(MAX_PAYLOAD_BYTES + 1), 'sync-msgs.msgs[0].payload');
  });

  it(`direct box: 1..${MAX_BOX_BYTES} bytes`, () => {
    expect(decodePayload(encodePayload(direct({ box: bytes(MAX_BOX_BYTES) }) as Payload))).toMatchObject({
      kind: 'direct',
    });
    expectPayloadRefused(direct({ box: bytes(MAX_BOX_BYTES + 1) }), 'payload.box');
    expectPayloadRefused(direct({ box: bytes(0) }), 'payload.box');
  });

  it(`encodePayload refuses a payload of more than ${MAX_PAYLOAD_BYTES} bytes and accepts one of exactly that`, () => {
    // Every field at its limit still fits, so only extra (unknown) fields can push a payload over.
    const overhead = encodePayload(chat({ pad: bytes(40_000) }) as Payload).length - 40_000;
    const exact = encodePayload(chat({ pad: bytes(MAX_PAYLOAD_BYTES - overhead) }) as Payload);
    expect(exact.length).toBe(MAX_PAYLOAD_BYTES);
    const err = caught(() =>
      encodePayload(chat({ pad: bytes(MAX_PAYLOAD_BYTES - overhead + 1) }) as Payload),
    );
    expect(err).toBeInstanceOf(WireError);
    expect((err as WireError).code).toBe('SCHEMA_INVALID');
    expect((err as WireError).message).toContain(`${MAX_PAYLOAD_BYTES}`);
  });
});

describe('kind', () => {
  it('an unknown kind of 32 characters is ignored; 33 characters or an empty or non-string kind is refused', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(encodeFrame({ kind: 'k'.repeat(32) }))).toEqual([]);
    expect(decoder.ignored).toBe(1);
    expectRefused({ kind: 'k'.repeat(33) }, 'message.kind');
    expectRefused({ kind: '' }, 'message.kind');
    expectRefused({ kind: 7 }, 'message.kind');
  });
});
