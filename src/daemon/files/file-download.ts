/**
 * Writing a finished file out of DATA_DIR/files into the downloads folder under a safe name: copied as
 * it is for a room's file, opened chunk by chunk for a direct one (only the recipient holds its key).
 * Never overwrites: the name is taken with O_EXCL, with ` (1)`… when it exists.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { type CryptoProvider, openChunk } from '../../wire/index.js';
import { geometry } from './file-geometry.js';
import type { FileRecord, FileStore } from './file-store.js';
import { freeNameIn, safeFileName } from './safe-name.js';

/** Writes the file out; returns its path. */
export function writeDownload(
  store: FileStore,
  crypto: CryptoProvider,
  record: FileRecord,
  dir: string,
): string {
  mkdirSync(dir, { recursive: true });
  let fd = -1;
  let path = '';
  for (let attempt = 0; fd < 0; attempt++) {
    path = freeNameIn(dir, safeFileName(record.name));
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 100) throw err;
    }
  }
  try {
    const shape = geometry(record);
    const key = record.key ? new Uint8Array(Buffer.from(record.key, 'base64')) : null;
    let at = 0;
    const buffer = Buffer.alloc(shape.stride);
    for (let index = 0; index < shape.count; index++) {
      const data = store.readChunk(record.root, shape.offset(index), shape.length(index), buffer);
      const plain = key ? openChunk(crypto, key, index, data) : data;
      writeSync(fd, plain, 0, plain.length, at);
      at += plain.length;
    }
  } finally {
    closeSync(fd);
  }
  return path;
}
