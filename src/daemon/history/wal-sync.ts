/**
 * Durability without blocking the event loop. The history connection commits at synchronous NORMAL:
 * a commit writes the WAL but does not wait for the disk (SQLite syncs only at its checkpoints, every
 * ~1000 pages), so it survives a crash of the process but not of the machine. What must survive power loss (a message this node's user wrote) then waits for
 * sync(), which runs fdatasync on the WAL file on libuv's thread pool: the same flush SQLite's FULL
 * mode runs inside every commit, where it held up every link and timer of the node for the length of
 * a disk flush (0.4 ms here, 10 ms at times; BENCHMARKS.md).
 *
 * Why a descriptor of our own is enough: fdatasync flushes the file (the inode), whatever descriptor
 * it is called through. And why it is safe: SQLite keeps its POSIX locks on the database and -shm
 * files, never on the WAL, so opening and closing the WAL here cannot drop them (the pitfall of a
 * second descriptor on the database file itself). The WAL keeps its inode while the connection is
 * open: a checkpoint rewrites it from the start, it does not replace it.
 *
 * Calls made while a flush runs share the next one (group commit): a commit made after a flush began
 * may have missed it, so it is never reported durable by that flush.
 *
 * A failed flush fails every later one too, until the store is opened again. Linux reports a write-back
 * error once and then marks the pages clean, so the next fdatasync would succeed; but WAL frames are
 * checksummed in a chain, and recovery stops at the first frame lost, so every commit after it would
 * be lost with it while reported durable.
 */
import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';
import { StorageError } from '../../wire/index.js';

export type Fdatasync = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;

export class WalSync {
  private fd: number | null;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  /** Flushes handed to the pool and not yet returned: the descriptor is released only at 0. */
  private inFlight = 0;
  private failure: StorageError | null = null;
  private closed = false;
  /** Flushes started, for tests and figures. */
  flushes = 0;

  /** Opens `walFile` (the connection must already be in WAL mode, so that the file exists). */
  constructor(
    private readonly walFile: string,
    private readonly flush: Fdatasync = fdatasync,
  ) {
    this.fd = openSync(walFile, 'r');
  }

  /** Resolves once every commit made before this call is on disk; rejects with DATABASE_WRITE_FAILED. */
  sync(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve(); // close() flushed everything committed before it
    if (!this.running && !this.queued) return this.start();
    this.queued ??= (this.running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.start();
      });
    return this.queued;
  }

  /**
   * Flushes what is still unflushed, synchronously (the node is stopping), and lets the descriptor go
   * once no flush is using it: closing it under a running fdatasync could let the number be reused
   * for another file before the pool thread reaches it.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd === null) return;
    if (!this.failure) {
      try {
        fdatasyncSync(this.fd);
      } catch (err) {
        this.fail(err as Error);
      }
    }
    if (this.inFlight === 0) this.release();
  }

  private start(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed || this.fd === null) return Promise.resolve();
    const fd = this.fd;
    this.flushes++;
    this.inFlight++;
    const flushing = new Promise<void>((resolve, reject) => {
      this.flush(fd, (err) => {
        this.inFlight--;
        if (this.running === flushing) this.running = null;
        if (this.closed && this.inFlight === 0) this.release();
        if (err) this.fail(err);
        if (this.failure) reject(this.failure);
        else resolve();
      });
    });
    this.running = flushing;
    return flushing;
  }

  private fail(err: Error): void {
    this.failure ??= new StorageError(
      'DATABASE_WRITE_FAILED',
      `cannot flush ${this.walFile} to disk (${err.message}); messages written from now on are not ` +
        'safe from a power cut until konnect is restarted',
      { cause: err },
    );
  }

  private release(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
}
