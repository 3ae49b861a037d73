/**
 * The event loop's side of the write worker (write-worker-main.ts). One worker serves every history
 * store of the process (a bench or a test runs tens of nodes in one process: one thread beside the
 * loop, not one per node); each store talks to it through a WriteChannel, whose requests are answered
 * in order, after their commit.
 *
 * If the worker dies, what it had not answered is not lost: each request still waiting runs on the
 * store's own connection, in order (an INSERT of a row the worker did commit changes nothing), its
 * caller is answered as if the worker had, onLost is told, and the store writes in its own thread
 * from then on.
 */
import { Worker } from 'node:worker_threads';
import { workerScript } from '../../node-worker/index.js';
import type { StoredMessage } from './store-rows.js';
import { type FromWorker, packBatch, type ToWorker } from './write-protocol.js';

export interface WriteChannelOptions {
  file: string;
  ftsBatch: number;
  /** The -shm file's descriptor (wal-frames.ts), lent to the worker until close() answers. */
  shmFd: number | null;
  /** What the store does on its own connection when the worker is gone. */
  fallback: { write(messages: StoredMessage[]): void; prune(cutoff: number, maxPerScope: number): number };
  /** The worker died: the store now writes in its own thread. */
  onLost: (err: Error) => void;
  /** The worker committed but could not checkpoint (the rows are safe). */
  onWarning: (message: string) => void;
}

interface Request {
  resolve: (result: unknown) => void;
  reject: (err: Error) => void;
  /** The same request on the store's own connection (the worker is gone). */
  fallback: () => unknown;
}

class WriteThread {
  private static current: WriteThread | null = null;
  private readonly worker: Worker;
  private readonly channels = new Map<number, WriteChannel>();
  private nextHandle = 1;
  private waiting = 0;
  private stopping = false;

  static attach(channel: WriteChannel): { thread: WriteThread; handle: number } {
    const thread = (WriteThread.current ??= new WriteThread());
    const handle = thread.nextHandle++;
    thread.channels.set(handle, channel);
    return { thread, handle };
  }

  private constructor() {
    this.worker = new Worker(workerScript(import.meta.url, 'write-worker-main.js', 'write worker'));
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => this.channels.get(m.handle)?.answer(m));
    let failure: Error | null = null;
    this.worker.on('error', (err) => (failure ??= err));
    this.worker.on('exit', (code) => {
      if (WriteThread.current === this) WriteThread.current = null;
      if (this.stopping && this.channels.size === 0) return;
      const err = failure ?? new Error(`the history write worker exited (code ${code})`);
      for (const channel of [...this.channels.values()]) channel.lost(err);
      this.channels.clear();
    });
  }

  post(message: ToWorker, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(message, transfer);
  }

  /** The worker keeps the process alive only while an answer is awaited. */
  waitFor(delta: 1 | -1): void {
    this.waiting += delta;
    if (this.waiting === 1 && delta === 1) this.worker.ref();
    if (this.waiting === 0) this.worker.unref();
  }

  detach(handle: number): void {
    this.channels.delete(handle);
    if (this.channels.size > 0) return;
    this.stopping = true;
    if (WriteThread.current === this) WriteThread.current = null;
    void this.worker.terminate();
  }

  /** For tests: the worker dies as a crash would. */
  kill(): Promise<number> {
    return this.worker.terminate();
  }
}

export class WriteChannel {
  private readonly thread: WriteThread;
  private readonly handle: number;
  private readonly requests = new Map<number, Request>();
  private seq = 0;
  private gone = false;
  private closing: Promise<void> | null = null;

  constructor(private readonly opts: WriteChannelOptions) {
    ({ thread: this.thread, handle: this.handle } = WriteThread.attach(this));
    const { file, ftsBatch, shmFd } = opts;
    this.request({ type: 'open', handle: this.handle, seq: 0, file, ftsBatch, shmFd }, () => null).catch(
      () => {}, // a worker that cannot open the file answers every later request with that error
    );
  }

  /** False once the worker is gone or the channel closed: the store then writes in its own thread. */
  get alive(): boolean {
    return !this.gone && !this.closing;
  }

  /** Commits a batch in the worker; resolves after its commit, rejects if it failed. */
  write(messages: StoredMessage[]): Promise<void> {
    const batch = packBatch(messages);
    const message: ToWorker = { type: 'write', handle: this.handle, seq: 0, batch };
    return this.request(message, () => this.opts.fallback.write(messages), [batch.bytes]).then(() => {});
  }

  prune(cutoff: number, maxPerScope: number): Promise<number> {
    const message: ToWorker = { type: 'prune', handle: this.handle, seq: 0, cutoff, maxPerScope };
    return this.request(message, () => this.opts.fallback.prune(cutoff, maxPerScope)) as Promise<number>;
  }

  /** Everything asked before is answered, then the worker closes its connection; never rejects. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const done = this.gone
      ? Promise.resolve()
      : this.request({ type: 'close', handle: this.handle, seq: 0 }, () => null).then(
          () => {},
          () => {},
        );
    this.closing = done.then(() => this.thread.detach(this.handle));
    return this.closing;
  }

  /** For tests: kills the process's write worker, as a crash would. */
  killWorker(): Promise<number> {
    return this.thread.kill();
  }

  /** An answer from the worker. */
  answer(m: FromWorker): void {
    const request = this.requests.get(m.seq);
    if (!request) return;
    this.requests.delete(m.seq);
    this.thread.waitFor(-1);
    if (m.ok) {
      if (m.warning) this.opts.onWarning(m.warning);
      request.resolve(m.result);
    } else {
      request.reject(Object.assign(new Error(m.error.message), m.error.code ? { code: m.error.code } : {}));
    }
  }

  /** The worker died: what it had not answered runs here, in order. */
  lost(err: Error): void {
    if (this.gone) return;
    this.gone = true;
    const waiting = [...this.requests.values()];
    for (let i = 0; i < waiting.length; i++) this.thread.waitFor(-1);
    this.requests.clear();
    for (const request of waiting) {
      try {
        request.resolve(request.fallback());
      } catch (e) {
        request.reject(e as Error);
      }
    }
    if (!this.closing) this.opts.onLost(err);
  }

  private request(message: ToWorker, fallback: () => unknown, transfer?: ArrayBuffer[]): Promise<unknown> {
    if (this.gone) {
      try {
        return Promise.resolve(fallback());
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    const seq = ++this.seq;
    message.seq = seq;
    return new Promise((resolve, reject) => {
      this.requests.set(seq, { resolve, reject, fallback });
      this.thread.waitFor(1);
      this.thread.post(message, transfer);
    });
  }
}
