/**
 * Outbound link sockets that read into one buffer of their own, reused for every read (node:net's
 * `onread`), instead of a new 64 KiB Buffer per read as 'data' events give. A file moving at 70 MiB/s
 * made a thousand of those a second; V8 frees such arrays only once some 32 MiB of them are dead, and
 * a receiving daemon's peak RSS grew by ~50 MB during a 1 GiB transfer (bench/scenarios/files.ts).
 * The bytes handed on are valid only during the call: the link's decoder copies what it keeps
 * (FrameDecoder.pushTransient). Inbound sockets come from net.Server, which has no `onread`: they
 * still read through 'data'.
 */
import { connect, type Socket } from 'node:net';

/** Bytes per read, as node:net's own reads. */
export const READ_BUFFER_BYTES = 64 * 1024;

const READS = Symbol('konnect.reusedReads');

/** Where a socket's reads go once its link takes them (until then they are copied and held). */
export interface ReusedReads {
  /** Hands every read from now on to `sink` (first those held meanwhile), valid during the call only. */
  take(sink: (bytes: Uint8Array) => void): void;
}

type WithReads = Socket & { [READS]?: ReusedReads };

/** A TCP connection to host:port whose reads land in a reused buffer (see readsOf). */
export function connectReusingReads(host: string, port: number): Socket {
  let sink: ((bytes: Uint8Array) => void) | null = null;
  let held: Uint8Array[] = [];
  const socket: WithReads = connect({
    host,
    port,
    onread: {
      buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
      callback: (n: number, buffer: Uint8Array) => {
        if (sink) sink(buffer.subarray(0, n));
        else held.push(Uint8Array.prototype.slice.call(buffer, 0, n));
        return true; // reading stops only when the link pauses the socket
      },
    },
  });
  socket[READS] = {
    take(next) {
      sink = next;
      const early = held;
      held = [];
      for (const bytes of early) next(bytes);
    },
  };
  return socket;
}

/** The reused reads of a socket made by connectReusingReads, else undefined (read its 'data'). */
export function readsOf(socket: object): ReusedReads | undefined {
  return (socket as WithReads)[READS];
}
