/**
 * What a hostile or broken peer can send: bodies that are not MessagePack, values that are not messages,
 * msgpackr-only and prototype-poisoning tricks, unknown kinds. Each must end in a typed WireError (or be
 * ignored, for unknown kinds and fields), never in a crash or a silently different reading.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePayload,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  isKonnectError,
  LINK_MESSAGE_KINDS,
  type LinkMessage,
  MAX_NESTING_DEPTH,
  packValue,
  parseLinkMessage,
  unpackValue,
  WireError,
} from '../../src/wire/index.js';
import { linkMessageArbs } from '../helpers/wire-arbitraries.js';

/** A frame around arbitrary body bytes. */
function frameOf(body: Uint8Array): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const str = (s: string) => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([0xa0 | b.length]), b]); // fixstr: every key below is under 32 bytes
};
/** A MessagePack map from already-encoded key/value pairs (so tests can write what an encoder would not). */
const rawMap = (...pairs: [Buffer, Buffer][]) =>
  Buffer.concat([Buffer.from([0x80 | pairs.length]), ...pairs.flatMap(([k, v]) => [k, v])]);

function errorOf(fn: () => unknown): WireError {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof WireError))
      throw new Error(`expected a WireError, got ${String(err)}`, { cause: err });
    return err;
  }
  throw new Error('expected a throw, got none');
}

const decodeBody = (body: Uint8Array) => new FrameDecoder().push(frameOf(body));

describe('frames that are not one MessagePack value', () => {
  it.each([
    ['the never-used byte 0xc1', 'c1'],
    ['a truncated array', '92 01'],
    ['a truncated string', 'a5 68 69'],
    ['a str32 declaring 4 GiB', 'db ffffffff 61'],
    ['an array32 declaring 4 G items', 'dd ffffffff 01'],
    ['a map32 declaring 4 G pairs', 'df ffffffff a1 61 01'],
    ['a truncated float64', 'cb 0000'],
  ])('%s → FRAME_MALFORMED', (_name, body) => {
    expect(errorOf(() => decodeBody(hex(body))).code).toBe('FRAME_MALFORMED');
  });

  it('two values in one frame → FRAME_MALFORMED', () => {
    const one = packValue({ kind: 'ping', n: 1 });
    expect(errorOf(() => decodeBody(Buffer.concat([one, one]))).code).toBe('FRAME_MALFORMED');
    expect(errorOf(() => decodeBody(Buffer.concat([one, hex('c0')]))).code).toBe('FRAME_MALFORMED');
  });

  it('a zero-length frame → FRAME_MALFORMED from its header alone', () => {
    const decoder = new FrameDecoder();
    expect(errorOf(() => decoder.push(Buffer.alloc(FRAME_HEADER_BYTES))).code).toBe('FRAME_MALFORMED');
  });

  it('random bytes as a body never escape as anything but a WireError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (body) => {
        try {
          decodeBody(body);
        } catch (err) {
          expect(err).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('values that are not messages → SCHEMA_INVALID naming the field', () => {
  it.each([
    ['an array', [1, 2]],
    ['a string', 'ping'],
    ['a number', 42],
    ['nil', null],
    ['a boolean', true],
    ['binary', Buffer.from('ping')],
  ])('%s at the top level', (_name, value) => {
    const err = errorOf(() => decodeBody(packValue(value)));
    expect(err.code).toBe('SCHEMA_INVALID');
    expect(err.message).toBe('message: expected a map');
  });

  it('a map without a kind, or with a kind that is not a string', () => {
    expect(errorOf(() => decodeBody(packValue({ n: 1 }))).message).toMatch(/^message\.kind:/);
    expect(errorOf(() => decodeBody(packValue({ kind: Buffer.from('ping') }))).message).toMatch(
      /^message\.kind:/,
    );
  });

  it.each([
    [{ kind: 'ping' }, 'ping.n: expected an integer'],
    [{ kind: 'hello-ack' }, 'hello-ack.sig: expected binary'],
    [
      { kind: 'flood', id: Buffer.alloc(16), hops: '3', payload: Buffer.alloc(1), sig: Buffer.alloc(64) },
      'flood.hops:',
    ],
    [{ kind: 'peers', peers: { id: 1 } }, 'peers.peers: expected an array'],
    [{ kind: 'peers', peers: [5] }, 'peers.peers[0]: expected a map'],
    [{ kind: 'sync-done', scope: 5 }, 'sync-done.scope: expected a string'],
    [{ kind: 'error', code: 'X', reason: false }, 'error.reason: expected a string'],
  ])('%j → "%s"', (message, expected) => {
    const err = errorOf(() => decodeBody(packValue(message)));
    expect(err.code).toBe('SCHEMA_INVALID');
    expect(err.message).toContain(expected);
  });

  const OPTIONAL = new Set([
    'hello.features',
    'bye.reason',
    'error.reason',
    'graft.origins',
    'file-have.want',
    'file-want.leaves',
    'file-none.leaves',
  ]);

  it('removing any field of any kind is refused naming that field, unless the field is optional', () => {
    const anyKind = fc
      .constantFrom(...LINK_MESSAGE_KINDS)
      .chain((kind) => linkMessageArbs[kind] as fc.Arbitrary<LinkMessage>);
    fc.assert(
      fc.property(anyKind, fc.nat(), (message, pick) => {
        const fields = Object.keys(message).filter((k) => k !== 'kind');
        fc.pre(fields.length > 0);
        const field = fields[pick % fields.length];
        const damaged: Record<string, unknown> = { ...message };
        delete damaged[field];
        const path = `${message.kind}.${field}`;
        if (OPTIONAL.has(path)) {
          expect(decodeBody(packValue(damaged))).toHaveLength(1);
        } else {
          const err = errorOf(() => decodeBody(packValue(damaged)));
          expect(err.code).toBe('SCHEMA_INVALID');
          expect(err.message.startsWith(`${path}:`)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('replacing any field of any kind with a value of the wrong type is refused naming that field', () => {
    const anyKind = fc
      .constantFrom(...LINK_MESSAGE_KINDS)
      .chain((kind) => linkMessageArbs[kind] as fc.Arbitrary<LinkMessage>);
    // No v1 field accepts a map at the top level of a message, and only the file flags a boolean.
    const wrong = fc.constantFrom<unknown>({ x: 1 }, true);
    fc.assert(
      fc.property(anyKind, fc.nat(), wrong, (message, pick, value) => {
        const fields = Object.keys(message).filter((k) => k !== 'kind');
        fc.pre(fields.length > 0);
        const field = fields[pick % fields.length];
        const bad =
          typeof (message as unknown as Record<string, unknown>)[field] === 'boolean' ? { x: 1 } : value;
        const err = errorOf(() => decodeBody(packValue({ ...message, [field]: bad })));
        expect(err.code).toBe('SCHEMA_INVALID');
        expect(err.message.startsWith(`${message.kind}.${field}:`)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('forward compatibility', () => {
  it('an unknown kind is ignored and counted, and valid frames after it still decode', () => {
    const decoder = new FrameDecoder();
    const stream = Buffer.concat([
      encodeFrame({ kind: 'ping', n: 1 }),
      encodeFrame({ kind: 'telepathy', mood: 'calm', level: [1, 2, 3] }),
      encodeFrame({ kind: 'future-v2-thing' }),
      encodeFrame({ kind: 'pong', n: 1 }),
    ]);
    expect(decoder.push(stream)).toEqual([
      { kind: 'ping', n: 1 },
      { kind: 'pong', n: 1 },
    ]);
    expect(decoder.ignored).toBe(2);
  });

  it('unknown fields are dropped, and nil in an optional field reads as absent', () => {
    expect(decodeBody(packValue({ kind: 'ping', n: 3, extra: 'x', more: { a: [1] } }))).toEqual([
      { kind: 'ping', n: 3 },
    ]);
    expect(decodeBody(packValue({ kind: 'bye', reason: null }))).toEqual([{ kind: 'bye' }]);
  });

  it('a payload of an unknown kind decodes to null, not an error', () => {
    expect(decodePayload(packValue({ kind: 'poll', question: '?' }))).toBeNull();
  });
});

describe('a decoder that failed stays failed', () => {
  it('throws the same error for every later push, even of valid frames', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(encodeFrame({ kind: 'ping', n: 1 }))).toHaveLength(1);
    const first = errorOf(() => decoder.push(frameOf(hex('c1'))));
    expect(first.code).toBe('FRAME_MALFORMED');
    expect(errorOf(() => decoder.push(encodeFrame({ kind: 'ping', n: 2 })))).toBe(first);
    expect(errorOf(() => decoder.push(new Uint8Array(0)))).toBe(first);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('a bad frame in the middle of a chunk loses the whole chunk, including valid frames before it', () => {
    // Messages before the bad frame in the same push are not returned: the link closes anyway.
    const decoder = new FrameDecoder();
    const chunk = Buffer.concat([encodeFrame({ kind: 'ping', n: 1 }), frameOf(hex('c1'))]);
    expect(errorOf(() => decoder.push(chunk)).code).toBe('FRAME_MALFORMED');
  });
});

describe('hostile encodings', () => {
  it('a `__proto__` key neither pollutes prototypes nor changes the message', () => {
    const body = rawMap(
      [str('kind'), str('ping')],
      [str('n'), hex('01')],
      [str('__proto__'), rawMap([str('n'), hex('05')])],
    );
    const [message] = decodeBody(body);
    expect(message).toEqual({ kind: 'ping', n: 1 });
    expect(Object.getPrototypeOf(message)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).n).toBeUndefined();
    const payload = rawMap([str('kind'), str('__proto__')]);
    expect(decodePayload(payload)).toBeNull();
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'a kind named %s is an unknown kind, not a lookup into Object.prototype',
    (kind) => {
      const decoder = new FrameDecoder();
      expect(decoder.push(frameOf(rawMap([str('kind'), str(kind)])))).toEqual([]);
      expect(decoder.ignored).toBe(1);
      expect(decodePayload(rawMap([str('kind'), str(kind)]))).toBeNull();
    },
  );

  it('a MessagePack timestamp where a map is expected → FRAME_MALFORMED (no extension types in v1)', () => {
    expect(errorOf(() => decodeBody(hex('d6ff 65000000'))).code).toBe('FRAME_MALFORMED');
    expect(
      errorOf(() => decodeBody(rawMap([str('kind'), str('ping')], [str('n'), hex('d6ff 65000000')]))).code,
    ).toBe('FRAME_MALFORMED');
  });

  it.each([
    ['msgpackr "undefined" (fixext 1, type 0)', 'd4 00 00'],
    ['msgpackr record definition', 'd4 72 40 92 a1 61 a1 62 01 02'],
    ['msgpackr typed array', 'c7 03 74 01 0a 0b'],
    ['msgpackr bigint', 'c7 09 42 01 00 00 00 00 00 00 00 00'],
    ['msgpackr structured-clone id', 'd6 69 00 00 00 01 90'],
    ['msgpackr Set', 'd4 73 00'],
    ['ext 16', 'c9 00 00 00 01 05 00'],
  ])('%s anywhere in a frame → FRAME_MALFORMED', (_name, ext) => {
    expect(errorOf(() => decodeBody(hex(ext))).code).toBe('FRAME_MALFORMED');
    const inField = rawMap([str('kind'), str('bye')], [str('reason'), hex(ext)]);
    expect(errorOf(() => decodeBody(inField)).code).toBe('FRAME_MALFORMED');
  });

  it('a uint64 beyond the safe integer range → SCHEMA_INVALID naming the field', () => {
    for (const big of ['cf ffffffffffffffff', 'cf 0020000000000000', 'd3 8000000000000000']) {
      const err = errorOf(() => decodeBody(rawMap([str('kind'), str('ping')], [str('n'), hex(big)])));
      expect(err.code).toBe('SCHEMA_INVALID');
      expect(err.message).toMatch(/^ping\.n:/);
    }
    // 2^53 - 1 in a uint64 is fine.
    expect(decodeBody(rawMap([str('kind'), str('ping')], [str('n'), hex('cf 001fffffffffffff')]))).toEqual([
      { kind: 'ping', n: 2 ** 53 - 1 },
    ]);
  });

  it('integer fields written in any MessagePack width read the same', () => {
    for (const n of [
      '07',
      'cc 07',
      'cd 0007',
      'ce 00000007',
      'cf 0000000000000007',
      'd0 07',
      'd3 0000000000000007',
    ]) {
      expect(decodeBody(rawMap([str('kind'), str('ping')], [str('n'), hex(n)]))).toEqual([
        { kind: 'ping', n: 7 },
      ]);
    }
  });

  it('a repeated map key → FRAME_MALFORMED (libraries disagree on which copy wins)', () => {
    const body = rawMap([str('kind'), str('ping')], [str('n'), hex('01')], [str('n'), hex('02')]);
    expect(errorOf(() => decodeBody(body)).code).toBe('FRAME_MALFORMED');
    // Also when the copies use different string headers (fixstr and str8).
    const str8n = hex('d9 01 6e');
    expect(
      errorOf(() => decodeBody(rawMap([str('kind'), str('ping')], [str('n'), hex('01')], [str8n, hex('02')])))
        .code,
    ).toBe('FRAME_MALFORMED');
  });

  it('a repeated key in a large map (past the pairwise check) → FRAME_MALFORMED', () => {
    const pairs: [Buffer, Buffer][] = Array.from({ length: 40 }, (_, i) => [str(`k${i}`), hex('01')]);
    const big = (extra: [Buffer, Buffer]) => {
      const all = [
        [str('kind'), str('ping')] as [Buffer, Buffer],
        [str('n'), hex('01')] as [Buffer, Buffer],
        ...pairs,
        extra,
      ];
      return Buffer.concat([hex('de'), Buffer.from([0, all.length]), ...all.flatMap(([k, v]) => [k, v])]);
    };
    expect(decodeBody(big([str('k40'), hex('01')]))).toEqual([{ kind: 'ping', n: 1 }]);
    expect(errorOf(() => decodeBody(big([str('k7'), hex('02')]))).code).toBe('FRAME_MALFORMED');
  });

  it('a map key that is not a string → FRAME_MALFORMED', () => {
    expect(errorOf(() => decodeBody(rawMap([str('kind'), str('ping')], [hex('01'), hex('01')]))).code).toBe(
      'FRAME_MALFORMED',
    );
    expect(
      errorOf(() => decodeBody(rawMap([str('kind'), str('ping')], [hex('c4 01 6e'), hex('01')]))).code,
    ).toBe('FRAME_MALFORMED');
  });

  it('a string that is not valid UTF-8 → FRAME_MALFORMED', () => {
    for (const bad of ['a2 c328', 'a3 eda080', 'a1 ff', 'a4 f4908080']) {
      expect(
        errorOf(() => decodeBody(rawMap([str('kind'), str('bye')], [str('reason'), hex(bad)]))).code,
      ).toBe('FRAME_MALFORMED');
    }
  });

  it(`nesting: ${MAX_NESTING_DEPTH} levels of arrays and maps decode, ${MAX_NESTING_DEPTH + 1} are refused`, () => {
    const nested = (levels: number) => Buffer.concat([Buffer.alloc(levels - 1, 0x91), hex('90')]);
    expect(() => unpackValue(nested(MAX_NESTING_DEPTH))).not.toThrow();
    expect(errorOf(() => unpackValue(nested(MAX_NESTING_DEPTH + 1))).code).toBe('FRAME_MALFORMED');
    // Deep enough to overflow the stack of a naive recursive decoder: still a typed error.
    expect(errorOf(() => decodeBody(nested(200_000))).code).toBe('FRAME_MALFORMED');
    const maps = (levels: number) =>
      Buffer.concat([...Array.from({ length: levels - 1 }, () => hex('81 a1 61')), hex('80')]);
    expect(() => unpackValue(maps(MAX_NESTING_DEPTH))).not.toThrow();
    expect(errorOf(() => unpackValue(maps(MAX_NESTING_DEPTH + 1))).code).toBe('FRAME_MALFORMED');
  });

  it('parseLinkMessage throws only KonnectErrors, whatever value it is given', () => {
    const anything = fc.anything({
      withNullPrototype: true,
      withBigInt: true,
      withDate: true,
      withTypedArray: true,
      withMap: true,
      withSet: true,
    });
    fc.assert(
      fc.property(
        anything,
        fc.constantFrom(...LINK_MESSAGE_KINDS, 'chat', 'direct', 'receipt', 'presence'),
        (value, kind) => {
          const candidates = [
            value,
            { kind, value },
            { kind, ...(typeof value === 'object' && value !== null ? value : { value }) },
          ];
          for (const candidate of candidates) {
            try {
              parseLinkMessage(candidate);
            } catch (err) {
              expect(isKonnectError(err)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
