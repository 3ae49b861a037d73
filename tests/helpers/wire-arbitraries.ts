/**
 * fast-check arbitraries for every protocol v1 link message and payload, valid by construction, plus
 * small helpers to compare decoded messages (binary fields come back as Buffer) with what was encoded.
 * Shared by the wire unit tests, the wire fuzzer and anyone who needs realistic wire values.
 */
import fc from 'fast-check';
import { type KeyObject, sign as cryptoSign } from 'node:crypto';
import {
  DEFAULT_HOPS,
  encodePayload,
  type LinkMessage,
  type LinkMessageKind,
  MAX_ADDRESS_CHARS,
  MAX_ERROR_CODE_CHARS,
  MAX_HOPS,
  MAX_NICK_CHARS,
  MAX_REASON_CHARS,
  MAX_ROOM_CHARS,
  MAX_SCOPE_CHARS,
  MESSAGE_ID_BYTES,
  NODE_ID_BYTES,
  NONCE_BYTES,
  type Payload,
  type PayloadKind,
  SIGNATURE_BYTES,
  SYNC_HASH_BYTES,
  X25519_KEY_BYTES,
  type FloodMessage,
  type DirectPlaintext,
} from '../../src/wire/index.js';

/** Exactly `n` bytes. */
export const bytesOf = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });
/** Between `min` and `max` bytes. */
export const bytesBetween = (min: number, max: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: min, maxLength: max });

export const nodeIdArb = bytesOf(NODE_ID_BYTES);
export const xkeyArb = bytesOf(X25519_KEY_BYTES);
export const sigArb = bytesOf(SIGNATURE_BYTES);
export const nonceArb = bytesOf(NONCE_BYTES);
/** Any 16 bytes: receivers check only the length of an id, so the tests must not assume more. */
export const messageIdArb = bytesOf(MESSAGE_ID_BYTES);

/**
 * Characters allowed in nicks, from several scripts and planes: an astral letter and digit check that
 * limits count code points, not UTF-16 units.
 */
export const NICK_CHARS = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.',
  'é',
  'Ж',
  'ж',
  '中',
  'ß',
  '٣', // Arabic-Indic digit three (\p{N})
  '𝟘', // mathematical double-struck digit zero, outside the BMP (\p{N})
  '𐐀', // Deseret capital letter, outside the BMP (\p{L})
];
/** Characters allowed in rooms: lower-case and caseless letters, digits and `_-.`. */
export const ROOM_CHARS = [...'abcdefghijklmnopqrstuvwxyz0123456789_-.', 'é', 'ж', 'ß', '中', 'の', '٣', '𝟘'];

const fromChars = (chars: string[], min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...chars), { minLength: min, maxLength: max }).map((a) => a.join(''));

export const nickArb = fromChars(NICK_CHARS, 1, MAX_NICK_CHARS);
export const roomArb = fromChars(ROOM_CHARS, 1, MAX_ROOM_CHARS);
/** Any well-formed Unicode text of `min..max` code points (no lone surrogates). */
export const unicodeText = (min: number, max: number): fc.Arbitrary<string> =>
  fc.string({ unit: 'binary', minLength: min, maxLength: max });
/** Chat text. Capped at 300 code points to keep runs fast; the 4,000 limit has its own tests. */
export const chatTextArb = unicodeText(1, 300);
/** Unsigned integers across every MessagePack width, including above 32 bits (timestamps). */
export const uintArb = fc.oneof(
  fc.integer({ min: 0, max: 0xff }),
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.maxSafeNat(),
);
/** Origin timestamps: ms since the epoch, up to year 10889 (48 bits, as in a UUIDv7). */
export const tsArb = fc.integer({ min: 0, max: 2 ** 48 - 1 });
const roomsArb = fc.array(roomArb, { maxLength: 6 });
const scopeArb = unicodeText(1, MAX_SCOPE_CHARS);
const rec = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, optional: (keyof T)[] = []) =>
  fc.record(model, {
    requiredKeys: (Object.keys(model) as (keyof T)[]).filter((k) => !optional.includes(k)),
    noNullPrototype: true,
  }) as unknown as fc.Arbitrary<T>;

/** One arbitrary per link message kind; typed so a new kind without an arbitrary fails to compile. */
export const linkMessageArbs: { [K in LinkMessageKind]: fc.Arbitrary<Extract<LinkMessage, { kind: K }>> } = {
  hello: rec(
    {
      kind: fc.constant('hello' as const),
      v: fc.integer({ min: 0, max: 0xffff }),
      id: nodeIdArb,
      xkey: xkeyArb,
      nick: nickArb,
      nonce: nonceArb,
      port: fc.integer({ min: 0, max: 65535 }),
      rooms: roomsArb,
      features: fc.array(unicodeText(1, 32), { maxLength: 4 }),
    },
    ['features'],
  ),
  'hello-ack': rec({ kind: fc.constant('hello-ack' as const), sig: sigArb }),
  ping: rec({ kind: fc.constant('ping' as const), n: uintArb }),
  pong: rec({ kind: fc.constant('pong' as const), n: uintArb }),
  bye: rec({ kind: fc.constant('bye' as const), reason: unicodeText(0, MAX_REASON_CHARS) }, ['reason']),
  error: rec(
    {
      kind: fc.constant('error' as const),
      code: unicodeText(1, MAX_ERROR_CODE_CHARS),
      reason: unicodeText(0, MAX_REASON_CHARS),
    },
    ['reason'],
  ),
  peers: rec({
    kind: fc.constant('peers' as const),
    peers: fc.array(
      rec(
        {
          id: nodeIdArb,
          addrs: fc.array(unicodeText(1, MAX_ADDRESS_CHARS), { maxLength: 3 }),
          nick: nickArb,
        },
        ['nick'],
      ),
      { maxLength: 4 },
    ),
  }),
  flood: rec({
    kind: fc.constant('flood' as const),
    id: messageIdArb,
    hops: fc.integer({ min: 0, max: MAX_HOPS }),
    payload: bytesBetween(1, 300),
    sig: sigArb,
  }),
  ihave: rec({ kind: fc.constant('ihave' as const), ids: fc.array(messageIdArb, { maxLength: 8 }) }),
  graft: rec(
    {
      kind: fc.constant('graft' as const),
      ids: fc.array(messageIdArb, { maxLength: 8 }),
      origins: fc.array(nodeIdArb, { maxLength: 4 }),
    },
    ['origins'],
  ),
  prune: rec({ kind: fc.constant('prune' as const), origin: nodeIdArb }),
  'sync-digest': rec({
    kind: fc.constant('sync-digest' as const),
    scope: scopeArb,
    ranges: fc.array(rec({ from: uintArb, to: uintArb, count: uintArb, hash: bytesOf(SYNC_HASH_BYTES) }), {
      maxLength: 4,
    }),
  }),
  'sync-ids': rec({
    kind: fc.constant('sync-ids' as const),
    scope: scopeArb,
    from: uintArb,
    to: uintArb,
    ids: fc.array(messageIdArb, { maxLength: 8 }),
  }),
  'sync-want': rec({
    kind: fc.constant('sync-want' as const),
    scope: scopeArb,
    ids: fc.array(messageIdArb, { maxLength: 8 }),
  }),
  'sync-msgs': rec({
    kind: fc.constant('sync-msgs' as const),
    scope: scopeArb,
    msgs: fc.array(rec({ id: messageIdArb, payload: bytesBetween(1, 200), sig: sigArb }), { maxLength: 4 }),
  }),
  'sync-done': rec({ kind: fc.constant('sync-done' as const), scope: scopeArb }),
  // files (PROTOCOL.md §21)
  'file-have': rec(
    {
      kind: fc.constant('file-have' as const),
      root: bytesOf(32),
      bits: bytesBetween(0, 64),
      want: fc.boolean(),
    },
    ['want'],
  ),
  'file-want': rec(
    {
      kind: fc.constant('file-want' as const),
      root: bytesOf(32),
      chunks: fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 8 }),
      leaves: fc.integer({ min: 0, max: 65535 }),
    },
    ['leaves'],
  ),
  'file-chunk': rec({
    kind: fc.constant('file-chunk' as const),
    root: bytesOf(32),
    index: fc.integer({ min: 0, max: 65535 }),
    data: bytesBetween(0, 300),
  }),
  'file-leaves': rec({
    kind: fc.constant('file-leaves' as const),
    root: bytesOf(32),
    from: fc.integer({ min: 0, max: 65535 }),
    hashes: fc.array(bytesOf(32), { maxLength: 4 }),
  }),
  'file-none': rec(
    {
      kind: fc.constant('file-none' as const),
      root: bytesOf(32),
      chunks: fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 8 }),
      leaves: fc.boolean(),
    },
    ['leaves'],
  ),
};

export const linkMessageArb: fc.Arbitrary<LinkMessage> = fc.oneof(
  ...(Object.values(linkMessageArbs) as fc.Arbitrary<LinkMessage>[]),
);

const payloadBase = { id: messageIdArb, from: nodeIdArb, ts: tsArb };

/** One arbitrary per payload kind; typed so a new kind without an arbitrary fails to compile. */
export const payloadArbs: { [K in PayloadKind]: fc.Arbitrary<Extract<Payload, { kind: K }>> } = {
  chat: rec(
    {
      kind: fc.constant('chat' as const),
      ...payloadBase,
      room: roomArb,
      nick: nickArb,
      text: chatTextArb,
      action: fc.boolean(),
    },
    ['action'],
  ),
  direct: rec({
    kind: fc.constant('direct' as const),
    ...payloadBase,
    to: nodeIdArb,
    box: bytesBetween(1, 400),
  }),
  receipt: rec({ kind: fc.constant('receipt' as const), ...payloadBase, to: nodeIdArb, of: messageIdArb }),
  presence: rec(
    {
      kind: fc.constant('presence' as const),
      ...payloadBase,
      event: fc.constantFrom('join' as const, 'leave' as const, 'nick' as const, 'here' as const),
      nick: nickArb,
      xkey: xkeyArb,
      rooms: roomsArb,
      old: nickArb,
    },
    ['old'],
  ),
  topic: rec({
    kind: fc.constant('topic' as const),
    ...payloadBase,
    room: roomArb,
    nick: nickArb,
    topic: unicodeText(0, 200),
  }),
};

export const payloadArb: fc.Arbitrary<Payload> = fc.oneof(
  ...(Object.values(payloadArbs) as fc.Arbitrary<Payload>[]),
);

export const directPlaintextArb: fc.Arbitrary<DirectPlaintext> = rec(
  { nick: nickArb, text: chatTextArb, action: fc.boolean() },
  ['action'],
);

/** What an origin sends: the payload encoded and signed, wrapped in a flood envelope. */
export function floodOf(payload: Payload, privateKey: KeyObject, hops = DEFAULT_HOPS): FloodMessage {
  const bytes = encodePayload(payload);
  return { kind: 'flood', id: payload.id, hops, payload: bytes, sig: cryptoSign(null, bytes, privateKey) };
}

/**
 * A copy of a decoded value with every Uint8Array (Buffer included) replaced by `{ hex }`, so values
 * compare by bytes whatever their binary class.
 */
export function withHexBytes(value: unknown): unknown {
  if (value instanceof Uint8Array)
    return { hex: Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex') };
  if (Array.isArray(value)) return value.map(withHexBytes);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = withHexBytes(v);
    return out;
  }
  return value;
}

/** Paths of binary fields in `value` that are not Buffers (decoders must hand out Buffers). */
export function nonBufferBinaryPaths(value: unknown, path = '$'): string[] {
  if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? [] : [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonBufferBinaryPaths(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => nonBufferBinaryPaths(v, `${path}.${k}`));
  }
  return [];
}
