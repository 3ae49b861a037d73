/// <reference lib="dom" />
/**
 * Keeps the page linked: one WsLink at a time; when it drops (or cannot be made) it says so once
 * ('connection' lost), tries again after a bounded exponential backoff with jitter (250 ms to 5 s),
 * and says 'restored' when a link is up again. After repeated failures it moves on to another node of
 * the mesh it has heard of (peer exchange gives their `host:port`; each serves the page's WebSocket on
 * its mesh port).
 */
import type { ChatEvent } from '../../daemon/chat-api.js';
import type { CryptoProvider, HelloMessage, LinkMessage } from '../../wire/index.js';
import { backoffMs, hostPortOf, type WebPeerTimings, wsUrlOf } from './options.js';
import type { WebIdentity } from './web-identity.js';
import { WsLink, type WsLinkClosed } from './ws-link.js';

/** Other nodes' endpoints remembered for a failover. */
const MAX_URLS = 16;

export interface LinkKeeperOptions {
  url: string;
  WebSocket: typeof WebSocket;
  identity: WebIdentity;
  crypto: CryptoProvider;
  timings: WebPeerTimings;
  hello: () => { nick: string; rooms: string[] };
  emit(event: ChatEvent): void;
  up(link: WsLink, hello: HelloMessage): void;
  down(link: WsLink, closed: WsLinkClosed): void;
  message(link: WsLink, message: LinkMessage): void;
  protocolError(err: Error): void;
}

export class LinkKeeper {
  link: WsLink | null = null;
  private readonly urls: string[];
  private urlAt = 0;
  private failures = 0;
  private lost = false;
  private stopped = false;
  /** The node closed our link for a newer one of the same identity (another tab or window). */
  replaced = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly opts: LinkKeeperOptions) {
    this.urls = [opts.url];
  }

  get url(): string {
    return this.urls[this.urlAt];
  }

  /** Every endpoint known, the first one the page was opened from. */
  get known(): readonly string[] {
    return this.urls;
  }

  get up(): boolean {
    return this.link?.state === 'up';
  }

  /** Remembers nodes from a peer exchange as places to go when this one stays away. */
  learn(addresses: readonly string[]): void {
    for (const address of addresses) {
      const url = wsUrlOf(address);
      if (!this.urls.includes(url) && this.urls.length < MAX_URLS) this.urls.push(url);
    }
  }

  connect(): void {
    if (this.stopped) return;
    const link: WsLink = new WsLink({
      url: this.url,
      WebSocket: this.opts.WebSocket,
      identity: this.opts.identity,
      crypto: this.opts.crypto,
      hello: this.opts.hello,
      timings: this.opts.timings,
      handlers: {
        onUp: (hello) => {
          if (this.link !== link) return;
          this.failures = 0;
          if (this.lost) {
            this.lost = false;
            this.opts.emit({
              type: 'connection',
              state: 'restored',
              reason: `linked to ${hello.nick} at ${hostPortOf(this.url)}`,
            });
          }
          this.opts.up(link, hello);
        },
        onMessage: (message) => {
          if (this.link === link) this.opts.message(link, message);
        },
        onClosed: (closed) => this.closed(link, closed),
        onProtocolError: (err) => this.opts.protocolError(err),
      },
    });
    this.link = link;
  }

  private closed(link: WsLink, closed: WsLinkClosed): void {
    if (this.link !== link) return;
    this.link = null;
    this.opts.down(link, closed);
    if (this.stopped) return;
    if (closed.bye === 'duplicate') {
      // The node keeps a page's newest link: this identity linked again elsewhere. Linking back at
      // once would take the link from that tab, which would then take it back, for ever.
      this.replaced = true;
      this.lost = true;
      this.opts.emit({
        type: 'connection',
        state: 'replaced',
        reason: 'this chat was opened in another tab or window',
      });
      return;
    }
    if (!closed.wasUp) this.failures++;
    if (!this.lost) {
      this.lost = true;
      this.opts.emit({ type: 'connection', state: 'lost', reason: lostReason(link, closed, this.url) });
    }
    if (this.failures >= this.opts.timings.failoverAfter && this.urls.length > 1) {
      this.urlAt = (this.urlAt + 1) % this.urls.length;
      this.failures = 0;
    }
    this.timer = setTimeout(() => this.connect(), backoffMs(this.failures, this.opts.timings));
  }

  /** Links again after being replaced (the person wants the chat here): the other tab is replaced. */
  resume(): void {
    if (!this.replaced || this.stopped) return;
    this.replaced = false;
    this.failures = 0;
    this.connect();
  }

  stop(reason: string): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.link?.close(reason);
    this.link = null;
  }
}

/**
 * Why the page lost its node, for a person: the socket closing under an open link is "the link to
 * alice at 192.168.1.5:7420 closed" rather than CLOSED and a WebSocket close code; a refusal keeps
 * its code, which says what broke.
 */
function lostReason(link: WsLink, closed: WsLinkClosed, url: string): string {
  if (closed.code !== 'CLOSED') return `${closed.code}: ${closed.reason}`;
  const nick = link.remoteHello?.nick;
  if (!closed.wasUp || !nick) return closed.reason;
  return `the link to ${nick} at ${hostPortOf(url)} closed`;
}
