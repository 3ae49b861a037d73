/**
 * Every link message and payload kind survives encode → frame → decode unchanged, and the frame decoder
 * gives the same messages however a byte stream is cut into chunks (TCP promises no boundaries).
 */
import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeDirectPlaintext,
  decodePayload,
  encodeDirectPlaintext,
  encodeFrame,
  encodePayload,
  FrameDecoder,
  LINK_MESSAGE_KINDS,
  type LinkMessage,
  type PayloadKind,
} from '../../src/wire/index.js';
import { ed25519PublicKey, rawPublicKey, verifyWithKey as verify } from '../../src/crypto-node/index.js';
import {
  directPlaintextArb,
  floodOf,
  linkMessageArb,
  linkMessageArbs,
  nonBufferBinaryPaths,
  payloadArbs,
  withHexBytes,
} from '../helpers/wire-arbitraries.js';

function decodeAll(bytes: Uint8Array, decoder = new FrameDecoder()): LinkMessage[] {
  return decoder.push(bytes);
}

describe('link messages round-trip', () => {
  it('has an arbitrary for every kind the schemas know, and no other', () => {
    expect(Object.keys(linkMessageArbs).sort()).toEqual([...LINK_MESSAGE_KINDS].sort());
  });

  for (const kind of LINK_MESSAGE_KINDS) {
    it(`${kind}: encodeFrame then FrameDecoder.push gives the same message, binary as Buffer`, () => {
      fc.assert(
        fc.property(linkMessageArbs[kind] as fc.Arbitrary<LinkMessage>, (message) => {
          const decoder = new FrameDecoder();
          // From a Buffer, as a socket hands chunks: the wire itself makes plain Uint8Arrays (it runs in
          // browsers too) and its decoder hands out views of what it was given.
          const out = decodeAll(Buffer.from(encodeFrame(message)), decoder);
          expect(out).toHaveLength(1);
          expect(out[0].kind).toBe(kind);
          expect(withHexBytes(out[0])).toEqual(withHexBytes(message));
          expect(nonBufferBinaryPaths(out[0])).toEqual([]);
          expect(decoder.bufferedBytes).toBe(0);
          expect(decoder.ignored).toBe(0);
        }),
        { numRuns: 150 },
      );
    });
  }
});

describe('payloads round-trip', () => {
  for (const kind of Object.keys(payloadArbs) as PayloadKind[]) {
    it(`${kind}: encodePayload then decodePayload gives the same payload`, () => {
      fc.assert(
        fc.property(payloadArbs[kind], (payload) => {
          const decoded = decodePayload(encodePayload(payload));
          expect(decoded?.kind).toBe(kind);
          expect(withHexBytes(decoded)).toEqual(withHexBytes(payload));
          expect(nonBufferBinaryPaths(decoded)).toEqual([]);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('a signed payload inside a flood frame arrives byte for byte and still verifies', () => {
    const keys = generateKeyPairSync('ed25519');
    const publicKey = ed25519PublicKey(rawPublicKey(keys.publicKey));
    const anyPayload = fc.oneof(...Object.values(payloadArbs));
    fc.assert(
      fc.property(anyPayload, fc.integer({ min: 1, max: 64 }), (payload, hops) => {
        const flood = floodOf(payload, keys.privateKey, hops);
        const [received] = decodeAll(encodeFrame(flood));
        if (received.kind !== 'flood') throw new Error(`expected a flood, got ${received.kind}`);
        expect(Buffer.compare(received.payload, flood.payload)).toBe(0);
        expect(received.hops).toBe(hops);
        expect(verify(received.payload, received.sig, publicKey)).toBe(true);
        expect(withHexBytes(decodePayload(received.payload))).toEqual(withHexBytes(payload));
      }),
      { numRuns: 100 },
    );
  });

  it('direct plaintext round-trips', () => {
    fc.assert(
      fc.property(directPlaintextArb, (plain) => {
        expect(decodeDirectPlaintext(encodeDirectPlaintext(plain))).toEqual(plain);
      }),
    );
  });
});

describe('FrameDecoder chunking', () => {
  const streamArb = fc.array(linkMessageArb, { minLength: 1, maxLength: 6 }).map((messages) => ({
    messages,
    bytes: Buffer.concat(messages.map((m) => encodeFrame(m))),
  }));

  it('gives the same messages for every split of a stream into chunks', () => {
    fc.assert(
      fc.property(
        streamArb.chain((s) =>
          fc.record({
            s: fc.constant(s),
            cuts: fc.uniqueArray(fc.integer({ min: 1, max: s.bytes.length - 1 }), { maxLength: 20 }),
          }),
        ),
        ({ s, cuts }) => {
          const points = [0, ...[...cuts].sort((a, b) => a - b), s.bytes.length];
          const decoder = new FrameDecoder();
          const out: LinkMessage[] = [];
          for (let i = 0; i + 1 < points.length; i++)
            out.push(...decoder.push(s.bytes.subarray(points[i], points[i + 1])));
          expect(withHexBytes(out)).toEqual(withHexBytes(s.messages));
          expect(decoder.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives the same messages when fed one byte at a time, and nothing before a frame is complete', () => {
    fc.assert(
      fc.property(streamArb, ({ messages, bytes }) => {
        const frameEnds = new Set<number>();
        let end = 0;
        for (const m of messages) frameEnds.add((end += encodeFrame(m).length));
        const decoder = new FrameDecoder();
        const out: LinkMessage[] = [];
        for (let i = 0; i < bytes.length; i++) {
          const got = decoder.push(bytes.subarray(i, i + 1));
          // A message appears exactly when the last byte of its frame arrives.
          expect(got.length).toBe(frameEnds.has(i + 1) ? 1 : 0);
          out.push(...got);
        }
        expect(withHexBytes(out)).toEqual(withHexBytes(messages));
      }),
      { numRuns: 50 },
    );
  });

  it('holds a large frame sent a byte at a time in a bounded number of chunks, and decodes it', () => {
    // A hostile peer's 1-byte TCP segments: one Buffer held per byte, shifted through one by one, cost
    // a 256 KiB frame 21 s of event loop before the decoder copied its chunks together.
    const stream = Buffer.concat([encodeFrame({ b: Buffer.alloc(100_000, 7) }), encodeFrame({ n: 1 })]);
    const decoder = new FrameDecoder<unknown>({ parse: (v) => v });
    const held = () => (decoder as unknown as { chunks: Buffer[] }).chunks.length;
    let most = 0;
    const out: unknown[] = [];
    for (let i = 0; i < stream.length; i++) {
      out.push(...decoder.push(stream.subarray(i, i + 1)));
      most = Math.max(most, held());
    }
    // Byte for byte (a frame copied together from chunks is a plain Uint8Array, not a Buffer).
    expect(withHexBytes(out)).toEqual(withHexBytes([{ b: Buffer.alloc(100_000, 7) }, { n: 1 }]));
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(257);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('accepts empty chunks and copies of Uint8Array views (not only Buffers)', () => {
    const frame = encodeFrame({ kind: 'ping', n: 7 });
    const decoder = new FrameDecoder();
    expect(decoder.push(new Uint8Array(0))).toEqual([]);
    const backing = new Uint8Array(frame.length + 10);
    backing.set(frame, 5);
    expect(decoder.push(backing.subarray(5, 5 + frame.length))).toEqual([{ kind: 'ping', n: 7 }]);
  });
});
