/**
 * A TCP proxy on 127.0.0.1 that counts the bytes of a konnect link by message kind: it splits each
 * direction into frames (4-byte big-endian length, then MessagePack) and reads each frame's `kind`.
 * Placing it between two nodes measures what reconciliation really puts on the wire, handshake and
 * keepalives apart, without touching the nodes.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { FRAME_HEADER_BYTES, unpackValue } from '../../src/wire/index.js';

export interface ByteCounts {
  /** Bytes per message kind (frame header included), both directions. */
  byKind: Map<string, number>;
  framesByKind: Map<string, number>;
  total: number;
}

class FrameCounter {
  private buffer: Buffer = Buffer.alloc(0);
  constructor(
    private readonly counts: ByteCounts,
    private readonly onFrame: (kind: string) => void,
  ) {}

  push(chunk: Buffer): void {
    this.counts.total += chunk.length;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= FRAME_HEADER_BYTES) {
      const length = this.buffer.readUInt32BE(0);
      if (this.buffer.length < FRAME_HEADER_BYTES + length) break;
      const body = this.buffer.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length);
      let kind = '?';
      try {
        const value = unpackValue(body) as { kind?: unknown };
        if (typeof value?.kind === 'string') kind = value.kind;
      } catch {
        kind = 'undecodable';
      }
      this.counts.byKind.set(kind, (this.counts.byKind.get(kind) ?? 0) + FRAME_HEADER_BYTES + length);
      this.counts.framesByKind.set(kind, (this.counts.framesByKind.get(kind) ?? 0) + 1);
      this.onFrame(kind);
      this.buffer = this.buffer.subarray(FRAME_HEADER_BYTES + length);
    }
  }
}

export class CountingProxy {
  readonly counts: ByteCounts = { byKind: new Map(), framesByKind: new Map(), total: 0 };
  /** performance.now() of the last frame whose kind starts with `sync`. */
  lastSyncAt = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect({ host: '127.0.0.1', port: this.targetPort });
      this.sockets.add(inbound).add(outbound);
      const onFrame = (kind: string) => {
        if (kind.startsWith('sync')) this.lastSyncAt = performance.now();
      };
      const up = new FrameCounter(this.counts, onFrame);
      const down = new FrameCounter(this.counts, onFrame);
      inbound.on('data', (c: Buffer) => {
        up.push(c);
        outbound.write(c);
      });
      outbound.on('data', (c: Buffer) => {
        down.push(c);
        inbound.write(c);
      });
      const close = () => {
        inbound.destroy();
        outbound.destroy();
      };
      inbound.on('close', close).on('error', close);
      outbound.on('close', close).on('error', close);
    });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.server = server;
  }

  bytes(filter: (kind: string) => boolean): number {
    let sum = 0;
    for (const [kind, n] of this.counts.byKind) if (filter(kind)) sum += n;
    return sum;
  }

  frames(filter: (kind: string) => boolean): number {
    let sum = 0;
    for (const [kind, n] of this.counts.framesByKind) if (filter(kind)) sum += n;
    return sum;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
