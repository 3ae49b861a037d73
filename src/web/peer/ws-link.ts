/// <reference lib="dom" />
/**
 * One WebSocket link from the page to the node that served it: each binary WebSocket message is one
 * frame's MessagePack body (no length prefix: WebSocket has its own), and on top the protocol of any
 * link (PROTOCOL.md §6, §7): both sides send hello, each proves its key by signing the other's nonce
 * (hello-ack), then pings keep it alive and silence closes it. A link ends in exactly one `onClosed`.
 */
import {
  type CryptoProvider,
  DEFAULT_MAX_FRAME_BYTES,
  type ErrorCode,
  equalBytes,
  type HelloMessage,
  helloTranscript,
  isKonnectError,
  type LinkMessage,
  NONCE_BYTES,
  packValue,
  parseLinkMessage,
  PROTOCOL_VERSION,
  unpackValue,
  WireError,
} from '../../wire/index.js';
import type { WebIdentity } from './web-identity.js';

export interface LinkTimingsWeb {
  /** @default 5000 */
  handshakeTimeoutMs: number;
  /** @default 1000 */
  pingIntervalMs: number;
  /** @default 3000 */
  idleTimeoutMs: number;
}

export const DEFAULT_WEB_LINK_TIMINGS: LinkTimingsWeb = {
  handshakeTimeoutMs: 5000,
  pingIntervalMs: 1000,
  idleTimeoutMs: 3000,
};

export interface WsLinkClosed {
  /** An error code (ours or the node's), 'BYE', or 'CLOSED' when the socket went away. */
  code: string;
  reason: string;
  /** The link had come up before it closed. */
  wasUp: boolean;
  /** The node closed it with a `bye`, for this reason (its words, e.g. 'duplicate'). */
  bye?: string;
}

export interface WsLinkHandlers {
  onUp(hello: HelloMessage): void;
  /** A message of the link once it is up (pings, pongs and the handshake are handled here). */
  onMessage(message: LinkMessage): void;
  onClosed(closed: WsLinkClosed): void;
  /** A frame that broke the rules (it closes the link); for the page's diagnostics. */
  onProtocolError(err: Error): void;
}

export interface WsLinkOptions {
  url: string;
  WebSocket: typeof WebSocket;
  identity: WebIdentity;
  crypto: CryptoProvider;
  /** What hello says about us now. */
  hello: () => { nick: string; rooms: string[] };
  timings: LinkTimingsWeb;
  handlers: WsLinkHandlers;
}

export class WsLink {
  state: 'connecting' | 'handshake' | 'up' | 'closed' = 'connecting';
  remoteHello: HelloMessage | undefined;
  rttMs: number | null = null;
  private readonly ws: WebSocket;
  private readonly nonce: Uint8Array;
  private sentAck = false;
  private gotAck = false;
  private lastHeard = Date.now();
  private lastSent = -Infinity;
  private lastPingAt = -Infinity;
  private pingSeq = 0;
  private readonly pingSentAt = new Map<number, number>();
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly opts: WsLinkOptions) {
    this.nonce = opts.crypto.randomBytes(NONCE_BYTES);
    this.ws = new opts.WebSocket(opts.url);
    this.ws.binaryType = 'arraybuffer';
    this.ws.addEventListener('open', () => this.onOpen());
    this.ws.addEventListener('message', (event) => this.onData(event.data));
    this.ws.addEventListener('close', (event) =>
      this.finish('CLOSED', `connection closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`),
    );
    this.ws.addEventListener('error', () => this.finish('CLOSED', `cannot reach ${opts.url}`));
    // A connect that hangs (a phone between networks) counts against the handshake's bound too.
    this.timers.push(
      setTimeout(() => {
        if (this.state === 'connecting' || this.state === 'handshake')
          this.fail('HANDSHAKE_TIMEOUT', 'handshake not completed in time');
      }, opts.timings.handshakeTimeoutMs),
    );
  }

  get remoteId(): Uint8Array | undefined {
    return this.remoteHello?.id;
  }

  /** Bytes the WebSocket holds unsent. */
  get queuedBytes(): number {
    return this.ws.bufferedAmount;
  }

  send(message: LinkMessage): boolean {
    return this.sendBody(packValue(message));
  }

  /** Sends one frame body (a MessagePack value) as one binary WebSocket message. */
  sendBody(body: Uint8Array): boolean {
    if (this.state === 'closed' || this.state === 'connecting') return false;
    if (body.length > DEFAULT_MAX_FRAME_BYTES) throw new WireError('FRAME_TOO_LARGE', `${body.length} bytes`);
    this.ws.send(body);
    this.lastSent = Date.now();
    return true;
  }

  /** Says bye and closes. */
  close(reason = 'closing'): void {
    if (this.state === 'closed') return;
    try {
      if (this.state !== 'connecting') this.send({ kind: 'bye', reason: reason.slice(0, 200) });
    } catch {
      // closing is what matters
    }
    this.finish('BYE', reason);
  }

  /** Sends an error naming the code, then closes. */
  fail(code: ErrorCode, reason: string): void {
    if (this.state === 'closed') return;
    try {
      if (this.state !== 'connecting') this.send({ kind: 'error', code, reason: reason.slice(0, 200) });
    } catch {
      // the socket may be gone already
    }
    this.finish(code, reason);
  }

  private onOpen(): void {
    if (this.state !== 'connecting') return;
    this.state = 'handshake';
    const self = this.opts.hello();
    this.send({
      kind: 'hello',
      v: PROTOCOL_VERSION,
      id: this.opts.identity.id,
      xkey: this.opts.identity.xPublic,
      nick: self.nick,
      nonce: this.nonce,
      // A page accepts no links; and it asks for no lazy push, so the node floods it every message.
      port: 0,
      rooms: self.rooms,
    });
  }

  private onData(data: unknown): void {
    if (this.state === 'closed') return;
    if (!(data instanceof ArrayBuffer)) {
      this.protocolError(new WireError('FRAME_MALFORMED', 'a text WebSocket message; frames are binary'));
      return;
    }
    this.lastHeard = Date.now();
    let message: LinkMessage | null;
    try {
      if (data.byteLength === 0) throw new WireError('FRAME_MALFORMED', 'an empty frame');
      if (data.byteLength > DEFAULT_MAX_FRAME_BYTES)
        throw new WireError('FRAME_TOO_LARGE', `a frame of ${data.byteLength} bytes`);
      message = parseLinkMessage(unpackValue(new Uint8Array(data)));
    } catch (err) {
      this.protocolError(err as Error);
      return;
    }
    if (message === null) return; // a kind this version does not know: ignored
    try {
      this.handle(message);
    } catch (err) {
      this.protocolError(err as Error);
    }
  }

  private protocolError(err: Error): void {
    this.opts.handlers.onProtocolError(err);
    const code: ErrorCode = isKonnectError(err) ? err.code : 'SCHEMA_INVALID';
    this.fail(code, err.message);
  }

  private handle(message: LinkMessage): void {
    if (message.kind === 'error' || message.kind === 'bye') {
      const code = message.kind === 'error' ? message.code : 'BYE';
      const bye = message.kind === 'bye' ? (message.reason ?? '') : undefined;
      this.finish(code, `the node closed the link: ${message.reason ?? code}`, bye);
      return;
    }
    if (this.state !== 'up') return this.handshake(message);
    if (message.kind === 'ping') {
      this.send({ kind: 'pong', n: message.n });
      return;
    }
    if (message.kind === 'pong') {
      const at = this.pingSentAt.get(message.n);
      if (at !== undefined) {
        this.rttMs = Date.now() - at;
        this.pingSentAt.delete(message.n);
      }
      return;
    }
    this.opts.handlers.onMessage(message);
  }

  private handshake(message: LinkMessage): void {
    const { identity, crypto } = this.opts;
    if (message.kind === 'hello') {
      if (this.remoteHello) return this.fail('PROTOCOL_VIOLATION', 'a second hello');
      if (message.v !== PROTOCOL_VERSION)
        return this.fail('VERSION_MISMATCH', `version ${message.v}, this page speaks ${PROTOCOL_VERSION}`);
      if (equalBytes(message.id, identity.id)) return this.fail('SELF_LINK', "the node has this page's id");
      this.remoteHello = message;
      const transcript = helloTranscript(identity.id, message.id, message.nonce, this.nonce);
      this.send({ kind: 'hello-ack', sig: crypto.sign(transcript, identity.secretKey) });
      this.sentAck = true;
    } else if (message.kind === 'hello-ack') {
      if (!this.remoteHello || this.gotAck) return this.fail('PROTOCOL_VIOLATION', 'an unexpected hello-ack');
      const hello = this.remoteHello;
      const transcript = helloTranscript(hello.id, identity.id, this.nonce, hello.nonce);
      if (!crypto.verify(transcript, message.sig, hello.id))
        return this.fail('HANDSHAKE_FAILED', 'the node did not prove its key');
      this.gotAck = true;
    } else {
      return this.fail('PROTOCOL_VIOLATION', `${message.kind} before the handshake completed`);
    }
    if (this.sentAck && this.gotAck) this.up();
  }

  private up(): void {
    this.state = 'up';
    const { timings } = this.opts;
    this.ticker = setInterval(() => this.tick(), timings.pingIntervalMs);
    this.tick();
    this.opts.handlers.onUp(this.remoteHello!);
  }

  /** Keepalive (§7.1): a ping unless a frame went both ways lately; silence closes the link. */
  private tick(): void {
    if (this.state !== 'up') return;
    const now = Date.now();
    const { pingIntervalMs, idleTimeoutMs } = this.opts.timings;
    if (now - this.lastHeard > idleTimeoutMs) {
      this.fail('PEER_TIMEOUT', `nothing heard for ${now - this.lastHeard} ms`);
      return;
    }
    const busy = now - this.lastHeard < pingIntervalMs / 2 && now - this.lastSent < pingIntervalMs / 2;
    if (!busy || now - this.lastPingAt >= 10 * pingIntervalMs) {
      const n = ++this.pingSeq;
      this.pingSentAt.set(n, now);
      if (this.pingSentAt.size > 16) this.pingSentAt.delete(this.pingSentAt.keys().next().value!);
      this.lastPingAt = now;
      this.send({ kind: 'ping', n });
    }
  }

  private finish(code: string, reason: string, bye?: string): void {
    if (this.state === 'closed') return;
    const wasUp = this.state === 'up';
    this.state = 'closed';
    for (const t of this.timers) clearTimeout(t);
    if (this.ticker) clearInterval(this.ticker);
    try {
      this.ws.close(1000);
    } catch {
      // already closing
    }
    this.opts.handlers.onClosed({ code, reason, wasUp, ...(bye !== undefined ? { bye } : {}) });
  }
}
