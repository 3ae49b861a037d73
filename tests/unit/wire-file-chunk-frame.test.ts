/**
 * A file-chunk frame laid out in place (file-chunk-frame.ts) is byte for byte what encodeFrame makes
 * of the same message, for every size of chunk data (each MessagePack bin form, a full chunk, a sealed
 * one, a file's last partial chunk) and of index; a large one lies in a pooled buffer, reused once
 * given back.
 */
import { describe, expect, it } from 'vitest';
import {
  encodeFrame,
  FILE_CHUNK_BYTES,
  fileChunkFrame,
  FrameDecoder,
  MAX_CHUNK_WIRE_BYTES,
  MAX_FILE_CHUNKS,
  releaseFrame,
} from '../../src/wire/index.js';

const root = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
const pattern = (length: number, seed: number) =>
  Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

/** The frame fileChunkFrame lays out, its data filled with `data`. */
function inPlace(index: number, data: Uint8Array): Uint8Array {
  const laid = fileChunkFrame(root, index, data.length);
  expect(laid.data.length).toBe(data.length);
  expect(laid.data.buffer).toBe(laid.frame.buffer);
  laid.data.set(data);
  return laid.frame;
}

describe('fileChunkFrame', () => {
  // Every bin form (8, 16, 32), its edges, full plain and sealed chunks, and a 1 GiB file's last chunk
  // when its size is not a multiple of the chunk (1 GiB - 12345 bytes).
  const sizes = [0, 1, 255, 256, 65535, 65536, 100_000, FILE_CHUNK_BYTES - 12345];
  sizes.push(FILE_CHUNK_BYTES, MAX_CHUNK_WIRE_BYTES);
  const indexes = [0, 1, 127, 128, 255, 256, 8191, MAX_FILE_CHUNKS - 1];

  it('writes the bytes encodeFrame writes, for every data size and index', () => {
    for (const size of sizes) {
      for (const index of indexes) {
        const data = pattern(size, index);
        const expected = encodeFrame({ kind: 'file-chunk', root, index, data });
        const frame = inPlace(index, data);
        expect(Buffer.from(frame).equals(Buffer.from(expected)), `size ${size}, index ${index}`).toBe(true);
        releaseFrame(frame);
      }
    }
  });

  it('decodes to the message it stands for', () => {
    const data = pattern(FILE_CHUNK_BYTES - 7, 3);
    const frame = inPlace(8191, data);
    const [message] = new FrameDecoder().push(Uint8Array.from(frame));
    releaseFrame(frame);
    expect(message).toMatchObject({ kind: 'file-chunk', index: 8191 });
    expect(Buffer.from((message as { data: Uint8Array }).data).equals(Buffer.from(data))).toBe(true);
    expect(Buffer.from((message as { root: Uint8Array }).root).equals(Buffer.from(root))).toBe(true);
  });

  it('lays a full chunk out in a pooled buffer, taken again once given back and not before', () => {
    const first = fileChunkFrame(root, 1, FILE_CHUNK_BYTES).frame;
    const second = fileChunkFrame(root, 2, FILE_CHUNK_BYTES).frame;
    expect(second.buffer).not.toBe(first.buffer);
    releaseFrame(first);
    const third = fileChunkFrame(root, 3, FILE_CHUNK_BYTES).frame;
    expect(third.buffer).toBe(first.buffer);
    releaseFrame(second);
    releaseFrame(third);
  });

  it('refuses what a peer would refuse', () => {
    expect(() => fileChunkFrame(root.subarray(1), 0, 10)).toThrow(/root/);
    expect(() => fileChunkFrame(root, MAX_FILE_CHUNKS, 10)).toThrow(/index/);
    expect(() => fileChunkFrame(root, -1, 10)).toThrow(/index/);
    expect(() => fileChunkFrame(root, 0, MAX_CHUNK_WIRE_BYTES + 1)).toThrow(/data/);
  });
});
