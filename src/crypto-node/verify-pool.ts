/**
 * Signature checks off the event loop, on libsodium in worker threads, in batches: the relay path
 * once the loop is saturated (signature-check.ts) and every message history sync brings.
 *
 * Why not libuv's thread pool, which did this before: it runs node:crypto, ~57 µs a check against
 * libsodium's ~35, plus a native job object per check and a callback per check back on the loop. A
 * 10,000-message catch-up spent ~109 µs of CPU per check there against ~50 here, with the packing and
 * the answers (BENCHMARKS §15). A worker's isolate costs ~12 MiB of RSS, so the workers start with the
 * first batch and stop after IDLE_STOP_MS without one: an idle daemon holds none.
 *
 * Checks asked for in one turn of the event loop go out together, at the end of the turn's current
 * microtask run, split into batches of at most BATCH_MAX, each to the worker with the fewest checks in
 * flight. If a worker fails (libsodium does not load there, it crashes, it cannot be started), every
 * check it had not answered and every later one goes to the fallback: no check is lost or answered
 * twice, and the process keeps verifying, as it did before this pool.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerScript } from '../node-worker/index.js';
import { NODE_ID_BYTES, SIGNATURE_BYTES } from '../wire/index.js';
import { type Check, packChecks, type VerifyAnswer } from './verify-batch.js';
import { rawVerifiers } from './node-provider.js';

/** Checks in one message to a worker: enough to amortise the hand-off, few enough to spread. */
export const BATCH_MAX = 64;
/** Fewest checks a batch is split down to when a turn's checks are spread over the workers. */
export const BATCH_MIN = 8;
/** Workers stop this long after their last batch (their isolates' memory goes with them). */
export const IDLE_STOP_MS = 5_000;

export type Verdict = (valid: boolean) => void;
export type Fallback = (check: Check, done: Verdict) => void;

export interface VerifyPoolOptions {
  /** Where checks go when the workers cannot take them. */
  fallback: Fallback;
  /** @default availableParallelism(), 1 to 4 */
  threads?: number;
  idleStopMs?: number;
  /** The worker's script (tests point this at a failing one). */
  script?: string;
}

interface Waiting {
  check: Check;
  done: Verdict;
}

interface Thread {
  worker: Worker;
  /** It said libsodium loaded: it takes batches from now on. */
  ready: boolean;
  /** Batches posted and not answered, by seq. */
  batches: Map<number, Waiting[]>;
  checks: number;
}

export class VerifyPool {
  private static shared: VerifyPool | null = null;
  private readonly opts: Required<VerifyPoolOptions>;
  private queue: Waiting[] = [];
  private flushQueued = false;
  private threads: Thread[] = [];
  private idleTimer: NodeJS.Timeout | null = null;
  private seq = 0;
  /** Why the workers are not used any more (null: they are). */
  failure: string | null = null;
  /** For tests and figures. */
  readonly stats = { started: 0, stopped: 0, batches: 0, checks: 0, fallback: 0 };

  /**
   * The process's pool, null where libsodium does not load on the event loop (then it would not in a
   * worker either, and node:crypto on libuv's pool is the better fallback than a worker running it).
   */
  static forProcess(fallback: Fallback): VerifyPool | null {
    if (!rawVerifiers.libsodium) return null;
    return (VerifyPool.shared ??= new VerifyPool({ fallback }));
  }

  constructor(opts: VerifyPoolOptions) {
    this.opts = {
      threads: Math.max(1, Math.min(4, availableParallelism())),
      idleStopMs: IDLE_STOP_MS,
      script: '',
      ...opts,
    };
  }

  /** Workers running now. */
  get running(): number {
    return this.threads.length;
  }

  /** Workers that have started and take batches. */
  get ready(): number {
    return this.threads.filter((t) => t.ready).length;
  }

  /** Calls `done` later (never in this call) with whether `signature` is publicKey's over `data`. */
  verify(data: Uint8Array, signature: Uint8Array, publicKey: Uint8Array, done: Verdict): void {
    if (signature.length !== SIGNATURE_BYTES || publicKey.length !== NODE_ID_BYTES) {
      queueMicrotask(() => done(false));
      return;
    }
    const check = { data, signature, publicKey };
    if (this.failure) {
      this.stats.fallback++;
      this.opts.fallback(check, done);
      return;
    }
    this.queue.push({ check, done });
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  /** Stops the workers now; what they had not answered goes to the fallback. */
  close(): void {
    this.stopWorkers('closed');
  }

  private flush(): void {
    this.flushQueued = false;
    const queue = this.queue;
    this.queue = [];
    if (queue.length === 0) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.threads.length === 0 && !this.failure) this.start();
    // Until a worker has started (30-120 ms here), the fallback takes the checks: a burst's first
    // batches would otherwise wait for the workers while the cores idle.
    const ready = this.threads.filter((t) => t.ready);
    if (this.failure || ready.length === 0) {
      this.toFallback(queue);
      return;
    }
    // Spread over the workers (a turn's checks are usually fewer than BATCH_MAX × threads, and the
    // loop waits for the last of them), but not so thin that the hand-off outweighs the checks.
    const size = Math.min(BATCH_MAX, Math.max(BATCH_MIN, Math.ceil(queue.length / ready.length)));
    for (let i = 0; i < queue.length; i += size) {
      const part = queue.slice(i, i + size);
      const thread = ready.reduce((a, b) => (b.checks < a.checks ? b : a));
      const seq = ++this.seq;
      const batch = packChecks(part.map((w) => w.check));
      if (thread.checks === 0) thread.worker.ref();
      thread.batches.set(seq, part);
      thread.checks += part.length;
      this.stats.batches++;
      this.stats.checks += part.length;
      thread.worker.postMessage({ seq, batch }, [batch]);
    }
  }

  private start(): void {
    try {
      const script =
        this.opts.script || workerScript(import.meta.url, 'verify-worker-main.js', 'verify worker');
      for (let i = 0; i < this.opts.threads; i++) this.threads.push(this.spawn(script));
    } catch (err) {
      this.fail(`could not start a verify worker: ${(err as Error).message}`);
      return;
    }
    this.stats.started++;
  }

  private spawn(script: string): Thread {
    const worker = new Worker(script);
    worker.unref();
    const thread: Thread = { worker, ready: false, batches: new Map(), checks: 0 };
    worker.on('message', (m: VerifyAnswer) => {
      if (m.type === 'ready') this.readied(thread);
      else if (m.type === 'failed') this.fail(m.error);
      else this.answer(thread, m.seq, m.valid);
    });
    worker.on('error', (err) => this.fail(`a verify worker failed: ${err.message}`));
    worker.on('exit', (code) => {
      if (this.threads.includes(thread)) this.fail(`a verify worker exited (code ${code})`);
    });
    return thread;
  }

  private readied(thread: Thread): void {
    if (!this.threads.includes(thread)) return;
    thread.ready = true;
    if (this.threads.every((t) => t.checks === 0) && this.queue.length === 0) this.idleSoon();
  }

  private answer(thread: Thread, seq: number, valid: Uint8Array): void {
    const part = thread.batches.get(seq);
    if (!part) return; // already handed to the fallback
    thread.batches.delete(seq);
    thread.checks -= part.length;
    if (thread.checks === 0) thread.worker.unref();
    for (let i = 0; i < part.length; i++) part[i].done(valid[i] === 1);
    if (this.threads.every((t) => t.checks === 0) && this.queue.length === 0) this.idleSoon();
  }

  private idleSoon(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.threads.every((t) => t.checks === 0)) this.stopWorkers(null);
    }, this.opts.idleStopMs);
    this.idleTimer.unref();
  }

  /** The workers are not used from now on; what they held goes to the fallback. */
  private fail(why: string): void {
    if (this.failure) return;
    this.failure = why;
    this.stopWorkers(why);
  }

  private stopWorkers(why: string | null): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const threads = this.threads;
    this.threads = [];
    if (threads.length > 0) this.stats.stopped++;
    for (const thread of threads) {
      const held = [...thread.batches.values()].flat();
      thread.batches.clear();
      thread.checks = 0;
      void thread.worker.terminate();
      if (held.length > 0) this.toFallback(held);
    }
    if (why !== null && this.queue.length > 0) {
      const queue = this.queue;
      this.queue = [];
      this.toFallback(queue);
    }
  }

  private toFallback(waiting: Waiting[]): void {
    this.stats.fallback += waiting.length;
    for (const w of waiting) this.opts.fallback(w.check, w.done);
  }
}
