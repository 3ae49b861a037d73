/**
 * The ChatApi of a UI attached to a node it does not own (a daemon, or another chat UI). That node may
 * stop or die under it; a plain ControlClient then went quiet and the UI kept showing peers and links
 * that were gone. This one says so at once (a `connection` event, `lost`), fails every call with
 * NO_DAEMON while detached, keeps trying the data directory's socket, and when a node answers there
 * again re-subscribes and says `restored`, so the UI re-reads what it shows.
 */
import { KonnectError } from '../../wire/index.js';
import type { ChatApi, ChatEvent } from '../chat-api.js';
import { CHAT_METHODS } from './chat-methods.js';
import { ControlClient } from './control-client.js';
import { forwardCalls, type RemoteCalls } from './method-table.js';

export interface AttachedClientOptions {
  /** First wait before trying the socket again after the node went away. @default 250 */
  retryMinMs?: number;
  /** Longest wait between tries (the wait doubles up to it). @default 2000 */
  retryMaxMs?: number;
}

// The calls are installed from the table by the constructor; this declares them to the compiler.
export interface AttachedClient extends RemoteCalls<ChatApi> {}

export class AttachedClient implements ChatApi {
  private client: ControlClient | null = null;
  private innerUnsubscribe: (() => void) | null = null;
  private readonly listeners = new Set<(event: ChatEvent) => void>();
  private retryTimer: NodeJS.Timeout | null = null;
  private delay: number;
  private closed = false;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;

  private constructor(
    readonly path: string,
    client: ControlClient,
    options: AttachedClientOptions,
  ) {
    this.retryMinMs = options.retryMinMs ?? 250;
    this.retryMaxMs = options.retryMaxMs ?? 2000;
    this.delay = this.retryMinMs;
    // Each call goes to the node attached at the time, or fails with NO_DAEMON while there is none.
    Object.assign(
      this,
      forwardCalls(CHAT_METHODS, () => this.current),
    );
    this.adopt(client);
  }

  /** Attaches to the node serving `path`; NO_DAEMON when nothing answers there now. */
  static async connect(path: string, options: AttachedClientOptions = {}): Promise<AttachedClient> {
    return new AttachedClient(path, await ControlClient.connect(path), options);
  }

  /** Whether a node answers right now. */
  get attached(): boolean {
    return this.client !== null;
  }

  private adopt(client: ControlClient): void {
    this.client = client;
    client.onClose(() => this.lost(client));
    if (this.listeners.size > 0) this.innerUnsubscribe = client.subscribe((e) => this.emit(e));
  }

  private lost(client: ControlClient): void {
    if (this.client !== client) return;
    this.client = null;
    this.innerUnsubscribe = null;
    if (this.closed) return;
    this.emit({
      type: 'connection',
      state: 'lost',
      reason: 'the node this window was attached to stopped',
    });
    this.delay = this.retryMinMs;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    this.retryTimer = setTimeout(() => void this.retry(), this.delay);
    // The UI's terminal keeps the process alive; a script that is done must not wait for a daemon.
    this.retryTimer.unref();
  }

  private async retry(): Promise<void> {
    this.retryTimer = null;
    if (this.closed) return;
    let client: ControlClient;
    try {
      client = await ControlClient.connect(this.path);
    } catch {
      this.delay = Math.min(this.delay * 2, this.retryMaxMs);
      if (!this.closed) this.scheduleRetry();
      return;
    }
    if (this.closed) return void client.close();
    this.adopt(client);
    this.emit({ type: 'connection', state: 'restored', reason: 'a node for this data directory is back' });
  }

  private emit(event: ChatEvent): void {
    for (const l of [...this.listeners]) l(event);
  }

  private get current(): ControlClient {
    if (this.client) return this.client;
    throw new KonnectError(
      'NO_DAEMON',
      this.closed ? 'the client is closed' : 'not attached: the node stopped; reattaching when it is back',
    );
  }

  subscribe(listener: (event: ChatEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.client && !this.innerUnsubscribe)
      this.innerUnsubscribe = this.client.subscribe((e) => this.emit(e));
    return () => this.listeners.delete(listener);
  }
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    await client?.close();
  }
}
