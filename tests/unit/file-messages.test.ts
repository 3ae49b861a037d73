/**
 * The file messages' schemas (PROTOCOL.md §21), each limit at its bound and one past it: the `file`
 * offer payload, the plaintext inside a direct offer, and file-have/want/chunk/leaves/none.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeFilePlaintext,
  encodeFilePlaintext,
  FILE_CHUNK_BYTES,
  FILE_PAYLOAD_SCHEMA,
  MAX_CHUNK_WIRE_BYTES,
  MAX_FILE_CHUNKS,
  MAX_FILE_NAME_CHARS,
  MAX_LEAVES_PER_MESSAGE,
  MAX_WANT_CHUNKS,
  packValue,
  parseLinkMessage,
  toHex,
  unpackValue,
} from '../../src/wire/index.js';

const root = new Uint8Array(32).fill(1);
const parse = (m: Record<string, unknown>) => parseLinkMessage(unpackValue(packValue(m)));
const offer = (fields: Record<string, unknown> = {}) =>
  FILE_PAYLOAD_SCHEMA(
    {
      id: new Uint8Array(16),
      from: new Uint8Array(32),
      ts: 1,
      room: 'lobby',
      nick: 'alice',
      name: 'a.txt',
      size: 3,
      type: 'text/plain',
      chunk: FILE_CHUNK_BYTES,
      root,
      ...fields,
    },
    'file',
  );

describe('the file offer', () => {
  it('takes a room offer with every field, and a name at 255 characters but not 256', () => {
    expect(offer()).toMatchObject({ room: 'lobby', name: 'a.txt', size: 3 });
    expect(() => offer({ name: 'n'.repeat(MAX_FILE_NAME_CHARS) })).not.toThrow();
    expect(() => offer({ name: 'n'.repeat(MAX_FILE_NAME_CHARS + 1) })).toThrow(/name/);
    expect(() => offer({ name: '' })).toThrow(/name/);
  });

  it('refuses a chunk size above 128 KiB, a root of the wrong length, a bad room', () => {
    expect(() => offer({ chunk: FILE_CHUNK_BYTES + 1 })).toThrow(/chunk/);
    expect(() => offer({ root: new Uint8Array(31) })).toThrow(/root/);
    expect(() => offer({ room: 'Bad Room' })).toThrow(/room/);
    expect(() => offer({ size: -1 })).toThrow(/size/);
  });

  it('a direct offer plaintext round-trips and needs a 32-byte key', () => {
    const plain = {
      nick: 'alice',
      name: 'secret.txt',
      size: 10,
      type: '',
      chunk: FILE_CHUNK_BYTES,
      root,
      key: new Uint8Array(32).fill(9),
    };
    const back = decodeFilePlaintext(encodeFilePlaintext(plain));
    const hex = (p: { root: Uint8Array; key: Uint8Array }) => ({
      ...p,
      root: toHex(p.root),
      key: toHex(p.key),
    });
    expect(hex({ ...back })).toEqual(hex(plain));
    expect(() => encodeFilePlaintext({ ...plain, key: new Uint8Array(16) })).toThrow(/key/);
  });
});

describe('file link messages', () => {
  it('file-have: a bitmap of at most 8 KiB', () => {
    expect(parse({ kind: 'file-have', root, bits: new Uint8Array(MAX_FILE_CHUNKS / 8) })).toMatchObject({
      kind: 'file-have',
    });
    expect(() => parse({ kind: 'file-have', root, bits: new Uint8Array(MAX_FILE_CHUNKS / 8 + 1) })).toThrow();
  });

  it('file-want and file-none: at most 64 chunk indexes, each below 65536', () => {
    const chunks = Array.from({ length: MAX_WANT_CHUNKS }, (_, i) => i);
    expect(parse({ kind: 'file-want', root, chunks, leaves: 0 })).toMatchObject({ chunks });
    expect(() => parse({ kind: 'file-want', root, chunks: [...chunks, 64] })).toThrow();
    expect(() => parse({ kind: 'file-want', root, chunks: [MAX_FILE_CHUNKS] })).toThrow();
    expect(parse({ kind: 'file-none', root, chunks: [MAX_FILE_CHUNKS - 1], leaves: true })).toMatchObject({
      leaves: true,
    });
    expect(() => parse({ kind: 'file-none', root, chunks: [...chunks, 64] })).toThrow();
  });

  it('file-chunk: data up to a full chunk and its tag, not a byte more', () => {
    expect(MAX_CHUNK_WIRE_BYTES).toBe(FILE_CHUNK_BYTES + 16);
    expect(
      parse({ kind: 'file-chunk', root, index: 0, data: new Uint8Array(MAX_CHUNK_WIRE_BYTES) }),
    ).toMatchObject({ index: 0 });
    expect(() =>
      parse({ kind: 'file-chunk', root, index: 0, data: new Uint8Array(MAX_CHUNK_WIRE_BYTES + 1) }),
    ).toThrow();
  });

  it('file-leaves: at most 4096 hashes of 32 bytes', () => {
    const hashes = Array.from({ length: MAX_LEAVES_PER_MESSAGE }, () => new Uint8Array(32));
    expect(parse({ kind: 'file-leaves', root, from: 0, hashes })).toMatchObject({ from: 0 });
    expect(() =>
      parse({ kind: 'file-leaves', root, from: 0, hashes: [...hashes, new Uint8Array(32)] }),
    ).toThrow();
    expect(() => parse({ kind: 'file-leaves', root, from: 0, hashes: [new Uint8Array(31)] })).toThrow();
  });
});
