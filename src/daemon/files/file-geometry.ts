/**
 * Where each chunk of a file sits as it travels and as it is kept: a room's file travels as plaintext
 * chunks, a direct file as chunks sealed under its key (each 16 bytes longer), kept at index × the
 * longest travelling chunk in DATA_DIR/files/<root>.part.
 */
import { FILE_TAG_BYTES } from '../../wire/index.js';
import type { FileRecord } from './file-store.js';

export interface Geometry {
  count: number;
  /** Offset of chunk i in the .part file is i × stride. */
  stride: number;
  /** Bytes of chunk i as it travels. */
  length(index: number): number;
  offset(index: number): number;
}

export function geometry(record: Pick<FileRecord, 'size' | 'chunk' | 'count' | 'key'>): Geometry {
  const tag = record.key ? FILE_TAG_BYTES : 0;
  const stride = record.chunk + tag;
  return {
    count: record.count,
    stride,
    length: (index) => Math.min(record.chunk, record.size - index * record.chunk) + tag,
    offset: (index) => index * stride,
  };
}
