/**
 * How many frames the WAL holds, read from the wal-index header at the start of the -shm file:
 * `mxFrame`, a 32-bit integer in native byte order at byte 16 (SQLite's documented file format,
 * walformat.html §2.2; every connection of every version since 3.7 reads that header, so its layout
 * does not move). The -shm file is the shared mapping SQLite itself reads and writes, so one pread of
 * 4 bytes after a commit sees that commit: cheap enough to ask after every batch. After a complete
 * checkpoint the count falls back once the next commit starts the log over.
 *
 * Unlike the WAL (wal-sync.ts), SQLite holds POSIX locks on the -shm file, and closing any descriptor
 * of a file drops all of the process's locks on it: close() must come after the connection's own
 * close (HistoryStore.close does so). Opening and reading take no lock and drop none.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';

const MX_FRAME_OFFSET = 16;

export class WalFrames {
  private fd: number | null;
  private readonly word = Buffer.alloc(4);
  /** A descriptor lent by another thread of this process (the write worker's): never closed here. */
  private readonly borrowed: boolean;

  /** Null when there is no -shm file to read (an in-memory database, or none yet). */
  static open(shmFile: string): WalFrames | null {
    try {
      return new WalFrames(openSync(shmFile, 'r'));
    } catch {
      return null;
    }
  }

  /**
   * Reads through a descriptor that another thread of this process opened and will close (the write
   * worker reads the event loop's): descriptors belong to the process, and so do POSIX locks, so the
   * worker must not open and close one of its own while any connection of the process is open.
   */
  static borrow(fd: number): WalFrames {
    return new WalFrames(fd, true);
  }

  private constructor(fd: number, borrowed = false) {
    this.fd = fd;
    this.borrowed = borrowed;
  }

  /** The descriptor, to lend to the write worker (null once closed). */
  get descriptor(): number | null {
    return this.fd;
  }

  /** Frames in the WAL now; 0 when closed or unreadable. */
  count(): number {
    if (this.fd === null) return 0;
    try {
      if (readSync(this.fd, this.word, 0, 4, MX_FRAME_OFFSET) < 4) return 0;
    } catch {
      return 0;
    }
    return endianness() === 'LE' ? this.word.readUInt32LE(0) : this.word.readUInt32BE(0);
  }

  close(): void {
    if (this.fd === null) return;
    if (!this.borrowed) closeSync(this.fd);
    this.fd = null;
  }
}
