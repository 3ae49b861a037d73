/** Helpers for the file-sharing tests: a random file of a given size, its hash, a node's file service. */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { FileInfo, KonnectNode } from '../../src/daemon/index.js';
import { filesOf, type FileService } from '../../src/daemon/files/index.js';
import { waitFor } from './wait.js';

/** Every regular file under `dir`, however deep (a node's data directory: store, WAL, profile, files). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Writes `bytes` random bytes to `path`, 1 MiB at a time; returns their SHA-256 hex. */
export function writeRandomFile(path: string, bytes: number): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  try {
    for (let at = 0; at < bytes; at += 1 << 20) {
      const block = randomBytes(Math.min(1 << 20, bytes - at));
      hash.update(block);
      writeSync(fd, block);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function files(node: KonnectNode): FileService {
  return filesOf(node);
}

/** Waits until `node` knows the file `id` in a state `check` accepts. */
export function waitForFile(
  node: KonnectNode,
  id: string,
  what: string,
  check: (file: FileInfo) => boolean,
  timeoutMs = 60_000,
): Promise<FileInfo> {
  return waitFor(
    () =>
      files(node)
        .list()
        .find((f) => f.id === id && check(f)),
    what,
    { timeoutMs, intervalMs: 50 },
  );
}
