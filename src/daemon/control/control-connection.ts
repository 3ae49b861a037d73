/**
 * One connection to a daemon's control socket: requests matched to their replies by rid, events handed
 * to listeners, and the end of the connection reported. It knows no method: clients derive their calls
 * from a method table and send them through `request` (see control-client.ts).
 */
import { connect, type Socket } from 'node:net';
import { encodeFrame, ERROR_CODES, type ErrorCode, FrameDecoder, KonnectError } from '../../wire/index.js';
import {
  CONTROL_MAX_FRAME_BYTES,
  type ControlEvent,
  type ControlResponse,
  parseControlReply,
} from './control-protocol.js';

export class ControlConnection {
  private nextRid = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(event: unknown) => void>();
  private closed = false;
  private readonly closeListeners = new Set<() => void>();

  private constructor(private readonly socket: Socket) {
    const decoder = new FrameDecoder<ControlResponse | ControlEvent>({
      parse: parseControlReply,
      maxFrameBytes: CONTROL_MAX_FRAME_BYTES,
    });
    socket.on('data', (chunk: Buffer) => {
      let replies: (ControlResponse | ControlEvent)[];
      try {
        replies = decoder.push(chunk);
      } catch (err) {
        this.failAll(err as Error);
        socket.destroy();
        return;
      }
      for (const reply of replies) {
        if (reply.kind === 'event') {
          for (const l of [...this.listeners]) l(reply.event);
          continue;
        }
        const waiter = this.pending.get(reply.rid);
        if (!waiter) continue;
        this.pending.delete(reply.rid);
        if (reply.ok) waiter.resolve(reply.result);
        else {
          const code = (reply.error.code in ERROR_CODES ? reply.error.code : 'USAGE') as ErrorCode;
          waiter.reject(new KonnectError(code, reply.error.message));
        }
      }
    });
    socket.on('close', () => {
      this.closed = true;
      this.failAll(new KonnectError('NO_DAEMON', 'the daemon closed the control connection'));
      for (const l of this.closeListeners) l();
    });
    socket.on('error', () => {
      // 'close' follows and reports it
    });
  }

  /** Connects to the daemon's socket; NO_DAEMON when nothing listens there. */
  static connect(path: string, timeoutMs = 3000): Promise<ControlConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new KonnectError('NO_DAEMON', `no answer on ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new ControlConnection(socket));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(connectError(path, err));
      });
    });
  }

  /** Sends one request; resolves with its result, rejects with the error the daemon answered. */
  request(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    if (this.closed) return Promise.reject(new KonnectError('NO_DAEMON', 'the control connection is closed'));
    const rid = this.nextRid++;
    return new Promise((resolve, reject) => {
      this.pending.set(rid, { resolve, reject });
      this.socket.write(encodeFrame({ kind: 'req', rid, method, params }, CONTROL_MAX_FRAME_BYTES));
    });
  }

  /**
   * Calls `listener` for every event, asking the daemon for them (`start`) while anyone listens and
   * telling it to stop (`stop`) when the last listener leaves.
   */
  subscribe(names: { start: string; stop: string }, listener: (event: unknown) => void): () => void {
    const first = this.listeners.size === 0;
    this.listeners.add(listener);
    if (first) this.request(names.start).catch(() => undefined);
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      this.request(names.stop).catch(() => undefined);
    };
  }

  /** Calls `listener` once the connection is gone (the daemon stopped or died, or close() was called). */
  onClose(listener: () => void): void {
    if (this.socket.destroyed) queueMicrotask(listener);
    else this.closeListeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.socket.end();
  }

  private failAll(err: Error): void {
    for (const w of this.pending.values()) w.reject(err);
    this.pending.clear();
  }
}

/**
 * Why the control socket could not be opened, as a sentence. Only a missing socket or one nobody
 * listens on means "no daemon": a socket this user may not open may well have a node behind it.
 */
function connectError(path: string, err: NodeJS.ErrnoException): Error {
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return new KonnectError(
        'ACCESS_DENIED',
        `you may not open the control socket ${path} (permission denied): it belongs to another user, whose node may be running there; use a data directory of your own (--data-dir)`,
        { cause: err },
      );
    case 'ENOTDIR':
      return new KonnectError('INVALID_ARGUMENT', `${path} is not inside a directory: check --data-dir`, {
        cause: err,
      });
    default:
      return new KonnectError('NO_DAEMON', `no daemon is listening on ${path} (${err.code ?? err.message})`, {
        cause: err,
      });
  }
}
