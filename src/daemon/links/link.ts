/**
 * One TCP link to a peer: framing, the hello/hello-ack handshake that proves each side holds its key,
 * keepalive pings (RTT, dead-peer detection), and a send queue capped in bytes. A link owns its socket
 * and timers; whatever goes wrong, it ends in exactly one 'closed' event.
 */
import { EventEmitter } from 'node:events';
import {
  DEFAULT_MAX_FRAME_BYTES,
  encodeFrame,
  type ErrorCode,
  FrameDecoder,
  type HelloMessage,
  helloTranscript,
  isKonnectError,
  type LinkMessage,
  NONCE_BYTES,
  FEATURE_LAZY_PUSH,
  PROTOCOL_VERSION,
  toHex,
  type NodeIdHex,
} from '../../wire/index.js';
import { nodeCrypto, verifyRaw } from '../../crypto-node/index.js';
import type { Timer } from '../../clock/clock.js';
import {
  DEFAULT_LINK_TIMINGS,
  RTT_REFRESH_INTERVALS,
  type LinkClosed,
  type LinkEvents,
  type LinkOptions,
  type LinkSocket,
  type LinkTimings,
} from './link-types.js';
import { adoptReads } from './reused-reads.js';

export {
  DEFAULT_LINK_TIMINGS,
  RTT_REFRESH_INTERVALS,
  type LinkClosed,
  type LinkEvents,
  type LinkOptions,
  type LinkSocket,
  type LinkTimings,
} from './link-types.js';

export class Link extends EventEmitter<LinkEvents> {
  readonly number: number;
  readonly direction: 'inbound' | 'outbound';
  readonly remoteAddress: string;
  /** A browser's WebSocket link: outside the overlay (link-types.ts). */
  readonly leaf: boolean;
  state: 'handshake' | 'up' | 'closed' = 'handshake';
  remoteHello: HelloMessage | undefined;
  remoteIdHex: NodeIdHex | undefined;
  rttMs: number | null = null;
  upAt = 0;
  /** Frames this link sent that failed verification (counted against it). */
  badMessages = 0;

  private readonly socket: LinkSocket;
  private readonly opts: LinkOptions;
  private readonly timings: LinkTimings;
  private readonly decoder: FrameDecoder;
  private readonly maxQueueBytes: number;
  private readonly nonce = nodeCrypto.randomBytes(NONCE_BYTES);
  private sentAck = false;
  private gotAck = false;
  private timers: Timer[] = [];
  private lastHeard: number;
  private pingSeq = 0;
  private lastPingAt = -Infinity;
  private lastSent = -Infinity;
  private pingSentAt = new Map<number, number>();
  private corked = false;
  private confirming = false;

  constructor(opts: LinkOptions) {
    super();
    this.opts = opts;
    this.socket = opts.socket;
    this.direction = opts.direction;
    this.leaf = opts.leaf ?? false;
    this.number = opts.number ?? 0;
    this.timings = { ...DEFAULT_LINK_TIMINGS, ...opts.timings };
    this.decoder = new FrameDecoder({ maxFrameBytes: opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES });
    this.maxQueueBytes = opts.maxQueueBytes ?? 8 * 1024 * 1024;
    this.remoteAddress = this.socket.remoteAddress ?? '?';
    this.lastHeard = opts.clock.now();
  }

  /** Starts the handshake. Call once, after attaching listeners. */
  start(): void {
    this.socket.setNoDelay(true);
    // A TCP socket reads into one reused buffer (reused-reads.ts): its bytes are copied as decoded.
    const reads = adoptReads(this.socket);
    if (reads) reads.take((bytes) => this.onData(bytes, true));
    else this.socket.on('data', (chunk: Buffer) => this.onData(chunk, false));
    this.socket.on('error', (err) => this.finish({ code: 'CLOSED', reason: err.message, byPeer: true }));
    this.socket.on('close', () => this.finish({ code: 'CLOSED', reason: 'connection closed', byPeer: true }));
    this.socket.on('end', () => this.socket.end());
    this.socket.on('drain', () => this.emit('drain'));
    const { clock } = this.opts;
    this.timers.push(
      clock.setTimeout(() => {
        if (this.state === 'handshake') this.fail('HANDSHAKE_TIMEOUT', 'handshake not completed in time');
      }, this.timings.handshakeTimeoutMs),
    );
    const self = this.opts.hello();
    this.send({
      kind: 'hello',
      v: PROTOCOL_VERSION,
      id: this.opts.identity.id,
      xkey: this.opts.identity.xPublic,
      nick: self.nick,
      nonce: this.nonce,
      port: self.port,
      rooms: self.rooms,
      features: [FEATURE_LAZY_PUSH],
    });
  }

  /** The peer understands lazy push (its hello said so): it may be pruned and sent ids only. */
  get lazyPush(): boolean {
    return this.remoteHello?.features?.includes(FEATURE_LAZY_PUSH) ?? false;
  }

  get remoteId(): Uint8Array | undefined {
    return this.remoteHello?.id;
  }

  /** Bytes written but not yet taken by the kernel. */
  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  send(message: LinkMessage): boolean {
    if (this.state === 'closed') return false;
    return this.sendFrame(encodeFrame(message));
  }

  /**
   * Writes an encoded frame (one call per frame). Writes made in the same tick are corked into one
   * syscall. A peer whose queue stays above the cap is dropped.
   *
   * `written`, when given, is called once the socket has written the frame, or once it never will
   * (the link was closed, or closes first): exactly once, never before this returns. The socket holds
   * the frame's bytes, not a copy, until then: a pooled frame goes back to its pool only in `written`.
   */
  sendFrame(frame: Uint8Array, written?: () => void): boolean {
    if (this.state === 'closed') {
      if (written) process.nextTick(written);
      return false;
    }
    if (this.socket.writableLength + frame.length > this.maxQueueBytes) {
      this.fail('SEND_QUEUE_FULL', `more than ${this.maxQueueBytes} bytes queued`);
      if (written) process.nextTick(written);
      return false;
    }
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    if (written) this.socket.write(frame, () => written());
    else this.socket.write(frame);
    this.lastSent = this.opts.clock.now();
    return true;
  }

  /** Stops reading from the peer (TCP pushes back on it) until resumeReading(). */
  pauseReading(): void {
    if (this.state !== 'closed') this.socket.pause();
  }

  resumeReading(): void {
    if (this.state !== 'closed') this.socket.resume();
  }

  /** Sends an error frame naming the code, then closes. */
  fail(code: ErrorCode, reason: string): void {
    if (this.state === 'closed') return;
    this.opts.logger.debug('link failed', { link: this.number, peer: this.label, code, reason });
    try {
      this.socket.write(encodeFrame({ kind: 'error', code, reason: reason.slice(0, 200) }));
    } catch {
      // the socket may already be gone; closing is what matters
    }
    this.finish({ code, reason, byPeer: false });
  }

  /** Drops the connection at once, saying nothing (an emergency stop, or a crash in tests). */
  destroy(reason = 'destroyed'): void {
    if (this.state === 'closed') return;
    this.socket.destroy();
    this.finish({ code: 'CLOSED', reason, byPeer: false });
  }

  /** Says bye and closes. */
  close(reason = 'closing'): void {
    if (this.state === 'closed') return;
    try {
      this.socket.write(encodeFrame({ kind: 'bye', reason: reason.slice(0, 200) }));
    } catch {
      // ignore
    }
    this.finish({ code: 'BYE', reason, byPeer: false });
  }

  get label(): string {
    return this.remoteHello ? `${this.remoteHello.nick}@${this.remoteAddress}` : this.remoteAddress;
  }

  private finish(closed: LinkClosed): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const t of this.timers) {
      this.opts.clock.clearTimeout(t);
      this.opts.clock.clearInterval(t);
    }
    this.timers = [];
    this.socket.end();
    // Give a polite end a moment to flush the bye/error frame, but never keep a dead socket around.
    const kill = this.opts.clock.setTimeout(() => this.socket.destroy(), 1000);
    kill.unref?.();
    this.emit('closed', closed);
    this.removeAllListeners('message');
  }

  private onData(chunk: Uint8Array, transient: boolean): void {
    if (this.state === 'closed') return;
    this.opts.onTraffic?.();
    let messages: LinkMessage[];
    try {
      messages = transient ? this.decoder.pushTransient(chunk) : this.decoder.push(chunk);
    } catch (err) {
      const code = isKonnectError(err) ? err.code : 'FRAME_MALFORMED';
      this.fail(code, (err as Error).message);
      return;
    }
    if (messages.length === 0) return;
    // Liveness counts whole frames: a peer trickling the bytes of a frame it never ends is silent.
    this.lastHeard = this.opts.clock.now();
    // Keepalive before bulk work: a ping among a chunk of floods or sync is answered first.
    if (this.state === 'up' && messages.length > 1) {
      for (const message of messages) if (message.kind === 'ping') this.send({ kind: 'pong', n: message.n });
      messages = messages.filter((m) => m.kind !== 'ping');
    }
    for (const message of messages) {
      if ((this.state as Link['state']) === 'closed') return;
      this.onMessage(message);
    }
  }

  private onMessage(message: LinkMessage): void {
    switch (message.kind) {
      case 'error':
        this.finish({
          code: 'CLOSED',
          reason: `peer error ${message.code}: ${message.reason ?? ''}`,
          byPeer: true,
        });
        return;
      case 'bye':
        this.finish({ code: 'BYE', reason: message.reason ?? 'bye', byPeer: true });
        return;
      case 'hello':
        return this.onHello(message);
      case 'hello-ack':
        return this.onHelloAck(message.sig);
    }
    if (this.state !== 'up') {
      this.fail('PROTOCOL_VIOLATION', `${message.kind} before the handshake completed`);
      return;
    }
    if (message.kind === 'ping') {
      this.send({ kind: 'pong', n: message.n });
      return;
    }
    if (message.kind === 'pong') {
      const sentAt = this.pingSentAt.get(message.n);
      if (sentAt !== undefined) {
        this.rttMs = this.opts.clock.now() - sentAt;
        this.pingSentAt.delete(message.n);
      }
      return;
    }
    try {
      this.emit('message', message);
    } catch (err) {
      // A bug of ours while handling one message must not take the whole node down from inside a
      // socket callback: say so and drop this link; the node and its other links carry on.
      this.opts.logger.error(
        `internal error handling ${message.kind} from ${this.label}: ${(err as Error).stack ?? err}`,
      );
      this.destroy('internal error');
    }
  }

  private onHello(hello: HelloMessage): void {
    if (this.remoteHello) return this.fail('PROTOCOL_VIOLATION', 'second hello');
    if (hello.v !== PROTOCOL_VERSION) {
      return this.fail('VERSION_MISMATCH', `peer speaks protocol ${hello.v}, this node ${PROTOCOL_VERSION}`);
    }
    if (Buffer.compare(hello.id, this.opts.identity.id) === 0)
      return this.fail('SELF_LINK', 'this is our own node');
    this.remoteHello = hello;
    this.remoteIdHex = toHex(hello.id);
    const { identity } = this.opts;
    this.send({
      kind: 'hello-ack',
      sig: nodeCrypto.sign(
        helloTranscript(identity.id, hello.id, hello.nonce, this.nonce),
        identity.signingKey,
      ),
    });
    this.sentAck = true;
    this.maybeUp();
  }

  private onHelloAck(sig: Uint8Array): void {
    const hello = this.remoteHello;
    if (!hello || this.gotAck) return this.fail('PROTOCOL_VIOLATION', 'hello-ack out of order');
    const transcript = helloTranscript(hello.id, this.opts.identity.id, this.nonce, hello.nonce);
    if (!verifyRaw(transcript, sig, hello.id)) {
      return this.fail('HANDSHAKE_FAILED', 'the peer did not prove it holds its key');
    }
    this.gotAck = true;
    this.maybeUp();
  }

  private maybeUp(): void {
    if (!this.sentAck || !this.gotAck || this.state !== 'handshake') return;
    this.state = 'up';
    this.upAt = this.opts.clock.now();
    const { clock } = this.opts;
    this.timers.push(clock.setInterval(() => this.keepalive(), this.timings.pingIntervalMs));
    this.emit('up');
    this.keepalive();
  }

  /**
   * A timer that fires after this node's own event loop was held up (a burst of work) finds the
   * peer "silent" while its frames wait, unread, in the kernel. So silence is only declared after one
   * more poll of the sockets (setImmediate runs after the loop's I/O phase): what had arrived is read
   * first, and a live peer is not dropped for this node's own stall.
   */
  private confirmSilence(): void {
    if (this.confirming) return;
    this.confirming = true;
    setImmediate(() => {
      this.confirming = false;
      if (this.state !== 'up') return;
      const silent = this.opts.clock.now() - this.lastHeard;
      if (silent > this.timings.idleTimeoutMs) this.fail('PEER_TIMEOUT', `nothing heard for ${silent} ms`);
    });
  }

  private keepalive(): void {
    if (this.state !== 'up') return;
    const now = this.opts.clock.now();
    if (now - this.lastHeard > this.timings.idleTimeoutMs) {
      this.confirmSilence();
      return;
    }
    // A link busy both ways needs no ping: any frame proves its sender alive. Each side keeps its own
    // direction alive, so a side that has sent nothing for half an interval pings, and so does one that
    // has heard nothing (the pong then fills the quiet direction). Relying on the pong alone is not
    // enough: a peer whose queue to us holds seconds of data (a history sync over slow Wi-Fi) answers
    // only after it, and would time us out meanwhile. Pinging every link every second regardless cost
    // a 50-node mesh in one process 700 pings and 700 pongs a second, all falling due together (their
    // timers start as the links come up), and much of its throughput (BENCHMARKS.md).
    const half = this.timings.pingIntervalMs / 2;
    const busy = now - this.lastHeard < half && now - this.lastSent < half;
    const rttFresh = now - this.lastPingAt < RTT_REFRESH_INTERVALS * this.timings.pingIntervalMs;
    if (busy && rttFresh) return;
    this.lastPingAt = now;
    const n = ++this.pingSeq;
    this.pingSentAt.set(n, now);
    if (this.pingSentAt.size > 8) this.pingSentAt.delete(this.pingSentAt.keys().next().value as number);
    this.send({ kind: 'ping', n });
  }
}
