/**
 * Making an offer from a file on disk: reads it once, chunk by chunk (never whole in memory), seals
 * each chunk for a direct file, writes the chunks as they will travel into DATA_DIR/files (so the
 * node serves them even if the original moves) and hashes them into the tree whose root names it,
 * through one read buffer and one hashing buffer for the whole file.
 */
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  chunkCount,
  type CryptoProvider,
  FILE_CHUNK_BYTES,
  leafHash,
  MAX_CHUNK_WIRE_BYTES,
  sealChunk,
  sanitizeLabel,
  toHex,
  treeRoot,
} from '../../wire/index.js';
import { adoptWhole, type FileRecord, type FileStore } from './file-store.js';

export interface PreparedFile {
  root: string;
  count: number;
  leaves: Uint8Array[];
}

export async function prepareFile(
  store: FileStore,
  crypto: CryptoProvider,
  path: string,
  size: number,
  key: Uint8Array | undefined,
): Promise<PreparedFile> {
  const count = chunkCount(size);
  const tmp = join(store.dir, `.outgoing-${toHex(crypto.randomBytes(8))}.part`);
  const input = await open(path, 'r');
  const output = await open(tmp, 'w', 0o600);
  const leaves: Uint8Array[] = [];
  try {
    const buffer = Buffer.alloc(FILE_CHUNK_BYTES);
    // Where each chunk is laid out to be hashed (leafHash), as a receiver does: hashing a 1 GiB file
    // left a 128 KiB array per chunk to the collector, which a sending daemon's peak RSS showed.
    const scratch = Buffer.alloc(1 + MAX_CHUNK_WIRE_BYTES);
    let offset = 0;
    for (let index = 0; index < count; index++) {
      const length = Math.min(FILE_CHUNK_BYTES, size - index * FILE_CHUNK_BYTES);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await input.read(buffer, got, length - got, index * FILE_CHUNK_BYTES + got);
        if (bytesRead === 0) throw new Error(`${path} became shorter while it was read`);
        got += bytesRead;
      }
      const plain = buffer.subarray(0, length);
      const data = key ? sealChunk(crypto, key, index, plain) : plain;
      leaves.push(leafHash(crypto, data, scratch));
      await output.write(data, 0, data.length, offset);
      offset += FILE_CHUNK_BYTES + (key ? data.length - length : 0);
    }
  } catch (err) {
    await output.close();
    await rm(tmp, { force: true });
    throw err;
  } finally {
    await input.close();
  }
  await output.close();
  const root = toHex(treeRoot(crypto, leaves));
  if (store.get(root) && store.heldCount(root) === count) await rm(tmp, { force: true });
  else {
    store.saveLeaves(root, leaves);
    adoptWhole(store, root, tmp, count);
  }
  return { root, count, leaves };
}

const TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  zip: 'application/zip',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
};

/** A media type from the name's extension, or '' when not known. */
export function mediaType(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot >= 0 ? (TYPES[name.slice(dot + 1).toLowerCase()] ?? '') : '';
}

/** Bytes as people read them: 512 B, 1.5 KiB, 50.0 MiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** The line an offer shows as in the conversation's history. */
export function offerText(record: Pick<FileRecord, 'name' | 'size' | 'root'>): string {
  return `[file] ${sanitizeLabel(record.name)} (${formatBytes(record.size)}) /get ${record.root.slice(0, 12)}`;
}
