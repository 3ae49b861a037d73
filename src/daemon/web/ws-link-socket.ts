/**
 * A WebSocket made to look like the byte stream a Link reads and writes (LinkSocket), so a browser's
 * link runs the same handshake, keepalive, flood, presence and sync code as a TCP one. Each binary
 * WebSocket message is one frame's MessagePack body, without the 4-byte length (PROTOCOL.md §18): the
 * length is put back on the way in and taken off on the way out. Used by the node for browsers and by
 * tests (and any Node client) for the other end.
 */
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import type { LinkSocket } from '../links/index.js';

/** Close codes of the binding (RFC 6455 numbers; PROTOCOL.md §18). */
export const WS_CLOSE = {
  normal: 1000,
  /** A text message: the binding carries binary messages only. */
  unsupportedData: 1003,
  /** A message over the frame limit (sent by `ws` itself, from maxPayload). */
  tooBig: 1009,
  /** No handshake slot free: come back later. */
  tryAgainLater: 1013,
} as const;

const HEADER_BYTES = 4;
/** Messages kept for a Link not yet listening; a peer sends one hello before it hears ours. */
const MAX_HELD = 16;

export class WsLinkSocket extends EventEmitter implements LinkSocket {
  readonly remoteAddress: string | undefined;
  /** Bytes handed to the WebSocket and not yet written to the kernel. */
  private unsent = 0;
  private ended = false;
  /** Messages that came before anyone listened (bounded by MAX_HELD). */
  private readonly held: Buffer[] = [];

  constructor(
    private readonly ws: WebSocket,
    remoteAddress?: string,
  ) {
    super();
    this.remoteAddress = remoteAddress;
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        this.close(WS_CLOSE.unsupportedData, 'binary messages only');
        return;
      }
      const body = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data);
      const framed = Buffer.allocUnsafe(HEADER_BYTES + body.length);
      framed.writeUInt32BE(body.length, 0);
      body.copy(framed, HEADER_BYTES);
      if (this.listenerCount('data') > 0) this.emit('data', framed);
      else if (this.held.push(framed) > MAX_HELD) this.destroy();
    });
    // A client's WebSocket opens before its Link listens; what the other end says first is kept.
    this.on('newListener', (event) => {
      if (event !== 'data' || this.held.length === 0) return;
      queueMicrotask(() => {
        for (const framed of this.held.splice(0)) this.emit('data', framed);
      });
    });
    ws.on('error', (err) => this.emit('error', err));
    ws.on('close', () => this.emit('close'));
  }

  get writableLength(): number {
    return this.unsent;
  }

  setNoDelay(): this {
    return this; // `ws` sets TCP_NODELAY on its socket itself
  }

  cork(): void {}

  uncork(): void {}

  /**
   * Takes whole frames (a Link writes one per call) and sends each body as one binary message, not
   * copied; `callback` runs once `ws` has written them all (or failed to).
   */
  write(data: Uint8Array, callback?: (err?: Error | null) => void): boolean {
    if (this.ended || this.ws.readyState !== this.ws.OPEN) {
      if (callback) process.nextTick(callback, new Error('the WebSocket is closed'));
      return false;
    }
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let pending = 1;
    let failure: Error | null = null;
    const settled = (err?: Error | null) => {
      failure ??= err ?? null;
      if (--pending === 0) callback?.(failure);
    };
    for (let at = 0; at + HEADER_BYTES <= bytes.length;) {
      const length = bytes.readUInt32BE(at);
      const body = bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length);
      at += HEADER_BYTES + length;
      this.unsent += body.length;
      pending++;
      this.ws.send(body, { binary: true }, (err) => {
        this.unsent -= body.length;
        if (this.unsent === 0) this.emit('drain');
        settled(err);
      });
    }
    // Settled a tick later when there was nothing to send, as every callback is.
    process.nextTick(settled);
    return true;
  }

  pause(): this {
    this.ws.pause();
    return this;
  }

  resume(): this {
    this.ws.resume();
    return this;
  }

  /** A polite close (after what was written): what a Link does after its bye or error frame. */
  end(): this {
    this.close(WS_CLOSE.normal, '');
    return this;
  }

  close(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.ws.close(code, reason);
  }

  destroy(): this {
    this.ended = true;
    this.ws.terminate();
    return this;
  }
}
