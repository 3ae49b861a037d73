/**
 * What the encoder writes: plain MessagePack that any library reads the same way (no msgpackr
 * extensions, integers as integers), and the exact bytes of the worked examples in PROTOCOL.md.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePayload,
  encodeFloodFrame,
  encodeFrame,
  encodePayload,
  FrameDecoder,
  packValue,
  unpackValue,
} from '../../src/wire/index.js';
import { linkMessageArb, payloadArb, withHexBytes } from '../helpers/wire-arbitraries.js';

const hexOf = (value: unknown) => Buffer.from(packValue(value)).toString('hex');

describe('integers', () => {
  it.each([
    [0, '00'],
    [127, '7f'],
    [128, 'cc80'],
    [65535, 'cdffff'],
    [0xffffffff, 'ceffffffff'],
    [-1, 'ff'],
    [-0x80000000, 'd280000000'],
  ])('%d is written as a MessagePack integer (%s)', (n, hex) => {
    expect(hexOf(n)).toBe(hex);
  });

  it.each([
    [2 ** 32, 'd30000000100000000'],
    [1_700_000_000_000, 'd30000018bcfe56800'],
    [Number.MAX_SAFE_INTEGER, 'd3001fffffffffffff'],
    [-0x80000001, 'd3ffffffff7fffffff'],
  ])('%d (beyond 32 bits) is written as int64, not float64', (n, hex) => {
    expect(hexOf(n)).toBe(hex);
    expect(unpackValue(packValue(n))).toBe(n);
  });

  it('non-integers stay float64', () => {
    expect(hexOf(1.5)).toBe('cb3ff8000000000000');
  });

  it('a payload timestamp goes out as an integer', () => {
    const ts = 1_732_420_000_000;
    const bytes = encodePayload({
      kind: 'receipt',
      id: Buffer.alloc(16),
      from: Buffer.alloc(32),
      ts,
      to: Buffer.alloc(32),
      of: Buffer.alloc(16),
    });
    const tsField = Buffer.concat([Buffer.from('a27473', 'hex'), Buffer.from('d3', 'hex')]);
    expect(Buffer.from(bytes).includes(tsField)).toBe(true);
    expect(Buffer.from(bytes).includes(0xcb)).toBe(false);
    expect(decodePayload(bytes)).toMatchObject({ ts });
  });
});

describe('undefined and binary', () => {
  it('drops undefined fields at every depth instead of writing msgpackr fixext 0', () => {
    expect(hexOf({ a: 1, b: undefined })).toBe(hexOf({ a: 1 }));
    expect(hexOf({ peers: [{ id: 1, nick: undefined }] })).toBe(hexOf({ peers: [{ id: 1 }] }));
    expect(hexOf([undefined])).toBe('91c0');
    expect(
      Buffer.from(packValue({ x: { y: { z: undefined } } })).includes(Buffer.from('d40000', 'hex')),
    ).toBe(false);
  });

  it('writes Buffer and Uint8Array as MessagePack bin', () => {
    expect(hexOf(Buffer.from([1, 2]))).toBe('c4020102');
    expect(hexOf(Uint8Array.from([1, 2]))).toBe('c4020102');
    expect(hexOf(Buffer.alloc(256)).slice(0, 6)).toBe('c50100');
    expect(hexOf(Buffer.alloc(65536)).slice(0, 10)).toBe('c600010000');
  });

  it('encodes objects with a null prototype like plain ones', () => {
    const o = Object.assign(Object.create(null) as Record<string, unknown>, { kind: 'ping', n: 1 });
    expect(hexOf(o)).toBe(hexOf({ kind: 'ping', n: 1 }));
  });

  it('every message and payload the arbitraries make decodes back through the strict decoder', () => {
    fc.assert(
      fc.property(linkMessageArb, payloadArb, (message, payload) => {
        expect(withHexBytes(unpackValue(packValue(message)))).toEqual(withHexBytes(message));
        expect(withHexBytes(unpackValue(packValue(payload)))).toEqual(withHexBytes(payload));
      }),
      { numRuns: 300 },
    );
  });
});

describe('the flood frame written by hand', () => {
  const bytesOf = (n: number, seed: number) =>
    Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

  it('is byte for byte what the generic encoder writes, at every hop count and bin width', () => {
    const sizes = [1, 2, 200, 255, 256, 257, 4096, 48 * 1024];
    for (const size of sizes) {
      for (const hops of [0, 1, 15, 16, 63, 64]) {
        const id = bytesOf(16, size);
        const payload = bytesOf(size, hops);
        const sig = bytesOf(64, 7);
        const generic = encodeFrame({ kind: 'flood', id, hops, payload, sig });
        expect(
          Buffer.from(encodeFloodFrame(id, hops, payload, sig)).equals(generic),
          `size ${size}, hops ${hops}`,
        ).toBe(true);
      }
    }
  });

  it('accepts Uint8Array views as well as Buffers', () => {
    const backing = new Uint8Array(400).map((_, i) => i & 0xff);
    const id = backing.subarray(10, 26);
    const payload = backing.subarray(30, 330);
    const sig = backing.subarray(330, 394);
    const generic = encodeFrame({ kind: 'flood', id, hops: 16, payload, sig });
    expect(Buffer.from(encodeFloodFrame(id, 16, payload, sig)).equals(generic)).toBe(true);
  });

  it('refuses what a receiver would refuse', () => {
    const id = bytesOf(16, 1);
    const sig = bytesOf(64, 2);
    expect(() => encodeFloodFrame(bytesOf(15, 1), 16, bytesOf(10, 3), sig)).toThrow(/16 bytes/);
    expect(() => encodeFloodFrame(id, 16, bytesOf(10, 3), bytesOf(63, 2))).toThrow(/signature/);
    expect(() => encodeFloodFrame(id, 65, bytesOf(10, 3), sig)).toThrow(/hops/);
    expect(() => encodeFloodFrame(id, 1.5, bytesOf(10, 3), sig)).toThrow(/hops/);
    expect(() => encodeFloodFrame(id, 16, Buffer.alloc(0), sig)).toThrow(/payload/);
    expect(() => encodeFloodFrame(id, 16, Buffer.alloc(48 * 1024 + 1), sig)).toThrow(/payload/);
  });

  it('decodes back to the message it was made from', () => {
    const id = bytesOf(16, 3);
    const payload = bytesOf(300, 4);
    const sig = bytesOf(64, 5);
    const [message] = new FrameDecoder().push(encodeFloodFrame(id, 9, payload, sig));
    expect(withHexBytes(message)).toEqual(withHexBytes({ kind: 'flood', id, hops: 9, payload, sig }));
  });
});

describe('worked examples of PROTOCOL.md', () => {
  it('ping {n: 1}', () => {
    const frame = encodeFrame({ kind: 'ping', n: 1 });
    expect(Buffer.from(frame).toString('hex')).toBe(
      '00000010' + 'de0002' + 'a46b696e64' + 'a470696e67' + 'a16e' + '01',
    );
    expect(new FrameDecoder().push(frame)).toEqual([{ kind: 'ping', n: 1 }]);
  });

  it('hello', () => {
    const hello = {
      kind: 'hello',
      v: 1,
      id: Buffer.alloc(32, 0x11),
      xkey: Buffer.alloc(32, 0x22),
      nick: 'alice',
      nonce: Buffer.alloc(32, 0x33),
      port: 7777,
      rooms: ['lobby'],
    } as const;
    const frame = encodeFrame(hello);
    const expected = [
      '000000a5', // body length 165
      'de0008', // map of 8 pairs
      'a46b696e64 a568656c6c6f', // "kind": "hello"
      'a176 01', // "v": 1
      'a26964 c420' + '11'.repeat(32), // "id": bin 32
      'a4786b6579 c420' + '22'.repeat(32), // "xkey": bin 32
      'a46e69636b a5616c696365', // "nick": "alice"
      'a56e6f6e6365 c420' + '33'.repeat(32), // "nonce": bin 32
      'a4706f7274 cd1e61', // "port": 7777 (uint16)
      'a5726f6f6d73 91 a56c6f626279', // "rooms": ["lobby"]
    ]
      .join('')
      .replace(/ /g, '');
    expect(Buffer.from(frame).toString('hex')).toBe(expected);
    expect(withHexBytes(new FrameDecoder().push(frame))).toEqual(withHexBytes([hello]));
  });
});
