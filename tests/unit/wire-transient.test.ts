/**
 * FrameDecoder.pushTransient, fed from one reused read buffer as a dialled link's socket is
 * (reused-reads.ts): the same messages as push for any split of a stream, none of them pointing into
 * the buffer that is written over after each call, and a file chunk's frame read into a pooled buffer
 * that its handler gives back (frame-pool.ts) and the next one reuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeFrame,
  FrameDecoder,
  freeFrameBuffers,
  type LinkMessage,
  MAX_CHUNK_WIRE_BYTES,
  releaseFrame,
} from '../../src/wire/index.js';
import { linkMessageArb, withHexBytes } from '../helpers/wire-arbitraries.js';

/** Feeds `bytes` cut at `points` through one reused buffer, scribbled over after every call. */
function feedReused(decoder: FrameDecoder, bytes: Uint8Array, points: number[]): LinkMessage[] {
  const reused = new Uint8Array(bytes.length);
  const out: LinkMessage[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const piece = reused.subarray(0, points[i + 1] - points[i]);
    piece.set(bytes.subarray(points[i], points[i + 1]));
    out.push(...decoder.pushTransient(piece));
    reused.fill(0xee);
  }
  return out;
}

const chunkFrame = (index: number, fill: number) =>
  encodeFrame({
    kind: 'file-chunk',
    root: new Uint8Array(32).fill(1),
    index,
    data: new Uint8Array(MAX_CHUNK_WIRE_BYTES).fill(fill),
  });

describe('FrameDecoder.pushTransient', () => {
  const streamArb = fc.array(linkMessageArb, { minLength: 1, maxLength: 6 }).map((messages) => ({
    messages,
    bytes: Buffer.concat(messages.map((m) => encodeFrame(m))),
  }));

  it('gives the same messages as push for every split, none of them in the reused buffer', () => {
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
          const out = feedReused(decoder, s.bytes, points);
          // Compared after the buffer was written over: a message viewing it would have changed.
          expect(withHexBytes(out)).toEqual(withHexBytes(s.messages));
          expect(decoder.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('decodes a frame fed a byte at a time, and holds only the bytes read so far', () => {
    const frame = encodeFrame({ kind: 'ping', n: 7 });
    const decoder = new FrameDecoder();
    const points = Array.from({ length: frame.length + 1 }, (_, i) => i);
    const reused = new Uint8Array(1);
    const out: LinkMessage[] = [];
    for (let i = 0; i + 1 < points.length; i++) {
      reused[0] = frame[i];
      out.push(...decoder.pushTransient(reused));
      if (i + 1 < frame.length) expect(decoder.bufferedBytes).toBe(i + 1);
    }
    expect(out).toEqual([{ kind: 'ping', n: 7 }]);
  });

  it('refuses an oversized frame from its header, before taking a buffer for it', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1000 });
    expect(() => decoder.pushTransient(Uint8Array.of(0, 0, 0x10, 0))).toThrow(/limit is 1000/);
    expect(decoder.bufferedBytes).toBe(0);
    expect(() => decoder.pushTransient(Uint8Array.of(1))).toThrow(/limit is 1000/);
  });

  it('reads a file chunk into a pooled buffer that, given back, the next chunk reuses', () => {
    const decoder = new FrameDecoder();
    const stream = Buffer.concat([chunkFrame(0, 1), chunkFrame(1, 2)]);
    const first = feedReused(decoder, stream.subarray(0, stream.length / 2), [0, 65536, stream.length / 2]);
    expect(first).toHaveLength(1);
    const a = first[0] as Extract<LinkMessage, { kind: 'file-chunk' }>;
    expect(a.data.every((b) => b === 1)).toBe(true);
    const buffer = a.data.buffer;
    const free = freeFrameBuffers();
    releaseFrame(a.data);
    releaseFrame(a.root); // the same frame: given back once only
    expect(freeFrameBuffers()).toBe(free + 1);
    releaseFrame(new Uint8Array(MAX_CHUNK_WIRE_BYTES)); // not the pool's: left alone
    expect(freeFrameBuffers()).toBe(free + 1);

    const second = feedReused(decoder, stream.subarray(stream.length / 2), [0, 70000, stream.length / 2]);
    const b = second[0] as Extract<LinkMessage, { kind: 'file-chunk' }>;
    expect(b.index).toBe(1);
    expect(b.data.every((x) => x === 2)).toBe(true);
    expect(b.data.buffer).toBe(buffer);
    expect(freeFrameBuffers()).toBe(free);
  });

  it('gives a frame not given back a buffer of its own', () => {
    const decoder = new FrameDecoder();
    const stream = Buffer.concat([chunkFrame(0, 3), chunkFrame(1, 4)]);
    const out = feedReused(decoder, stream, [0, stream.length]) as Extract<
      LinkMessage,
      { kind: 'file-chunk' }
    >[];
    expect(out.map((m) => m.index)).toEqual([0, 1]);
    expect(out[0].data.buffer).not.toBe(out[1].data.buffer);
    expect(out[0].data.every((x) => x === 3) && out[1].data.every((x) => x === 4)).toBe(true);
  });
});
