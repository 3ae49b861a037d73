/**
 * DATA_DIR/files: every file this node offered, was offered, fetches or holds, by the hex of its root.
 * `<root>.json` says what it is, `<root>.leaves` holds its leaf hashes (checked against the root),
 * `<root>.bits` which chunks are held, and `<root>.part` the chunks as they travel (sealed for a direct
 * file) at their offsets. Chunks are written before their bit, so after a crash or a kill the bitmap
 * never claims a chunk that is not there and a transfer resumes where it stopped. Held files beyond
 * the keep bound are dropped, oldest first.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger.js';

/** What is kept of one file. */
export interface FileRecord {
  /** Hex of the root. */
  root: string;
  name: string;
  /** Plaintext bytes. */
  size: number;
  type: string;
  /** Plaintext bytes per chunk. */
  chunk: number;
  /** Chunks. */
  count: number;
  /** Base64 of a direct file's chunk key; absent for a room's file. */
  key?: string;
  from: string;
  nick: string;
  room: string | null;
  peer: string | null;
  ts: number;
  messageId: string;
  own: boolean;
  state: 'offered' | 'fetching' | 'done' | 'failed';
  /** Where the finished file was written. */
  path: string | null;
  error: string | null;
  /** When this node took it (for the keep bound, oldest first). */
  addedAt: number;
}

export class FileStore {
  readonly dir: string;
  private readonly records = new Map<string, FileRecord>();
  private readonly bits = new Map<string, Uint8Array>();

  constructor(
    dataDir: string,
    private readonly logger: Logger,
  ) {
    this.dir = join(dataDir, 'files');
  }

  /** Reads every record kept; a record that does not parse is logged and skipped. */
  load(): FileRecord[] {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.json')) continue;
      try {
        const record = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as FileRecord;
        if (!/^[0-9a-f]{64}$/.test(record.root)) continue;
        this.records.set(record.root, record);
      } catch (err) {
        this.logger.warn(`skipped a file record that does not read: ${name}: ${(err as Error).message}`);
      }
    }
    return [...this.records.values()];
  }

  get(root: string): FileRecord | undefined {
    return this.records.get(root);
  }

  all(): FileRecord[] {
    return [...this.records.values()];
  }

  save(record: FileRecord): void {
    this.records.set(record.root, record);
    const file = this.path(record.root, 'json');
    writeFileSync(`${file}.tmp`, JSON.stringify(record), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  /** The leaf hashes, once known (checked against the root before they are written). */
  leaves(root: string): Uint8Array[] | null {
    const file = this.path(root, 'leaves');
    if (!existsSync(file)) return null;
    const all = readFileSync(file);
    const out: Uint8Array[] = [];
    for (let at = 0; at + 32 <= all.length; at += 32) out.push(new Uint8Array(all.subarray(at, at + 32)));
    return out;
  }

  saveLeaves(root: string, leaves: readonly Uint8Array[]): void {
    writeFileSync(this.path(root, 'leaves'), Buffer.concat(leaves), { mode: 0o600 });
  }

  /** Which chunks are held: bit i of byte i >> 3, most significant bit first. */
  bitmap(root: string): Uint8Array {
    let bits = this.bits.get(root);
    if (bits) return bits;
    const record = this.records.get(root);
    const length = Math.ceil((record?.count ?? 0) / 8);
    bits = new Uint8Array(length);
    const file = this.path(root, 'bits');
    if (existsSync(file)) bits.set(readFileSync(file).subarray(0, length));
    this.bits.set(root, bits);
    return bits;
  }

  /** Drops the bitmap read before the record was known (it is read again). */
  forgetBitmap(root: string): void {
    this.bits.delete(root);
  }

  holds(root: string, index: number): boolean {
    return hasBit(this.bitmap(root), index);
  }

  heldCount(root: string): number {
    let n = 0;
    for (const byte of this.bitmap(root)) for (let b = byte; b; b &= b - 1) n++;
    return n;
  }

  /** Writes a chunk at its offset, then its bit (the order a crash needs). */
  writeChunk(root: string, index: number, offset: number, data: Uint8Array): void {
    const fd = openSync(this.path(root, 'part'), existsSync(this.path(root, 'part')) ? 'r+' : 'w+', 0o600);
    try {
      writeSync(fd, data, 0, data.length, offset);
    } finally {
      closeSync(fd);
    }
    const bits = this.bitmap(root);
    bits[index >> 3] |= 0x80 >> (index & 7);
    writeFileSync(this.path(root, 'bits'), bits, { mode: 0o600 });
  }

  /**
   * Reads `length` bytes at `offset` of the held chunks, into `into` when given (a loop over a whole
   * file reuses one buffer instead of leaving a 128 KiB one per chunk to the collector). Throws when
   * the part file ends first.
   */
  readChunk(root: string, offset: number, length: number, into?: Uint8Array): Uint8Array {
    const out = into ? into.subarray(0, length) : Buffer.alloc(length);
    const fd = openSync(this.path(root, 'part'), 'r');
    try {
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        // Never the rest of `into` as it was (a pooled frame's last chunk, sent to someone else).
        if (n === 0) throw new Error(`${root.slice(0, 12)}.part ends inside chunk at ${offset}`);
        done += n;
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  /** The path of one of a file's parts. */
  path(root: string, part: 'json' | 'leaves' | 'bits' | 'part'): string {
    return join(this.dir, `${root}.${part}`);
  }

  /** Bytes of chunks kept. */
  heldBytes(root: string): number {
    try {
      return statSync(this.path(root, 'part')).size;
    } catch {
      return 0;
    }
  }

  /** Forgets a file and deletes its parts. */
  remove(root: string): void {
    this.records.delete(root);
    this.bits.delete(root);
    for (const part of ['json', 'leaves', 'bits', 'part'] as const)
      rmSync(this.path(root, part), { force: true });
  }

  /**
   * Drops the chunks of held files, oldest first, until they take at most `maxBytes`; files being
   * fetched and `keep` stay. Their records stay (the offer can be fetched again).
   */
  evict(maxBytes: number, keep: ReadonlySet<string>): string[] {
    const held = this.all()
      .filter((r) => r.state === 'done' && this.heldBytes(r.root) > 0)
      .sort((a, b) => a.addedAt - b.addedAt);
    let total = held.reduce((sum, r) => sum + this.heldBytes(r.root), 0);
    const dropped: string[] = [];
    for (const record of held) {
      if (total <= maxBytes) break;
      if (keep.has(record.root)) continue;
      total -= this.heldBytes(record.root);
      rmSync(this.path(record.root, 'part'), { force: true });
      rmSync(this.path(record.root, 'bits'), { force: true });
      this.bits.delete(record.root);
      dropped.push(record.root);
    }
    return dropped;
  }
}

export function hasBit(bits: Uint8Array, index: number): boolean {
  return (bits[index >> 3] ?? 0) & (0x80 >> (index & 7)) ? true : false;
}

/** Takes a file written whole elsewhere (an own file, just hashed) as held in full. */
export function adoptWhole(store: FileStore, root: string, from: string, count: number): void {
  renameSync(from, store.path(root, 'part'));
  const bits = new Uint8Array(Math.ceil(count / 8));
  for (let i = 0; i < count; i++) bits[i >> 3] |= 0x80 >> (i & 7);
  writeFileSync(store.path(root, 'bits'), bits, { mode: 0o600 });
  store.forgetBitmap(root);
}
