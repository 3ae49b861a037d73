/**
 * ChatApi over the control socket of a running daemon: what `konnect send/peers/history/status` and an
 * attached TUI use. Closing it disconnects; the daemon goes on.
 */
import { connect, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder, KonnectError, type ErrorCode, ERROR_CODES } from '../wire/index.js';
import type {
  ChatApi,
  ChatEvent,
  ChatMessage,
  ConversationRef,
  HistoryQuery,
  NodeIdHex,
  NodeStatus,
  PeerInfo,
  RoomTopic,
} from './chat-api.js';
import {
  CONTROL_MAX_FRAME_BYTES,
  type ControlEvent,
  type ControlMethod,
  type ControlResponse,
  HISTORY_PAGE,
  parseControlReply,
} from './control-protocol.js';

export class ControlClient implements ChatApi {
  private nextRid = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(event: ChatEvent) => void>();
  private subscribed = false;
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
          for (const l of this.listeners) l(reply.event);
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

  /** Calls `listener` once the connection is gone (the daemon stopped or died, or close() was called). */
  onClose(listener: () => void): void {
    if (this.socket.destroyed) queueMicrotask(listener);
    else this.closeListeners.add(listener);
  }

  /** Connects to the daemon's socket; NO_DAEMON when nothing listens there. */
  static connect(path: string, timeoutMs = 3000): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new KonnectError('NO_DAEMON', `no answer on ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new ControlClient(socket));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(connectError(path, err));
      });
    });
  }

  private call<T>(method: ControlMethod, params: Record<string, unknown> = {}): Promise<T> {
    if (this.closed) return Promise.reject(new KonnectError('NO_DAEMON', 'the control connection is closed'));
    const rid = this.nextRid++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(rid, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(encodeFrame({ kind: 'req', rid, method, params }, CONTROL_MAX_FRAME_BYTES));
    });
  }

  private failAll(err: Error): void {
    for (const w of this.pending.values()) w.reject(err);
    this.pending.clear();
  }

  status(): Promise<NodeStatus> {
    return this.call('status');
  }
  peers(): Promise<PeerInfo[]> {
    return this.call('peers');
  }
  /** Pages of HISTORY_PAGE, newest first, so any limit the store allows fits the control frames. */
  async history(query: HistoryQuery): Promise<ChatMessage[]> {
    const want = query.limit ?? 100;
    // One page, or a limit the node will refuse with a clear error: ask as it is.
    if (!Number.isSafeInteger(want) || want <= HISTORY_PAGE) return this.call('history', { ...query });
    const out: ChatMessage[] = [];
    let before = query.before;
    while (out.length < want) {
      const limit = Math.min(HISTORY_PAGE, want - out.length);
      const page = await this.call<ChatMessage[]>('history', { ...query, limit, before });
      out.unshift(...page);
      if (page.length < limit) break;
      before = { ts: page[0].ts, id: page[0].id };
    }
    return out;
  }
  send(to: ConversationRef, text: string, options: { action?: boolean } = {}): Promise<ChatMessage> {
    return this.call('send', { to, text, action: options.action ?? false });
  }
  async setNick(nick: string): Promise<void> {
    await this.call('setNick', { nick });
  }
  async joinRoom(room: string): Promise<void> {
    await this.call('joinRoom', { room });
  }
  async leaveRoom(room: string): Promise<void> {
    await this.call('leaveRoom', { room });
  }
  async setTopic(room: string, topic: string): Promise<void> {
    await this.call('setTopic', { room, topic });
  }
  topics(): Promise<RoomTopic[]> {
    return this.call('topics');
  }
  async setOpenDirects(peers: NodeIdHex[]): Promise<void> {
    await this.call('setOpenDirects', { peers });
  }
  resolvePeer(query: string): Promise<PeerInfo> {
    return this.call('resolvePeer', { query });
  }
  subscribe(listener: (event: ChatEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.subscribed) {
      this.subscribed = true;
      this.call('subscribe').catch(() => undefined);
    }
    return () => this.listeners.delete(listener);
  }
  async close(): Promise<void> {
    this.closed = true;
    this.socket.end();
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
