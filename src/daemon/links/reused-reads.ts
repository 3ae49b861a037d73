/**
 * Link sockets that read into one buffer, reused for every read (node:net's `onread`), instead of a
 * new 64 KiB Buffer per read as 'data' events give. A file moving at 70 MiB/s made a
 * thousand of those a second; V8 frees such arrays only once some 32 MiB of them are dead, and a
 * receiving daemon's peak RSS grew by ~50 MB during a 1 GiB transfer (bench/scenarios/files.ts).
 * The bytes handed on are valid only during the call: the link's decoder copies what it keeps
 * (FrameDecoder.pushTransient). A dialled socket is made so (connectReusingReads); an accepted one is
 * switched over (adoptReads), as net.Server has no `onread` of its own.
 */
import { connect, Socket } from 'node:net';

/** Bytes per read, as node:net's own reads. */
export const READ_BUFFER_BYTES = 64 * 1024;
/**
 * The one buffer every link socket reads into. Sharing it is safe: a read's callback runs to its end
 * (the decoder copies what it keeps) before libuv reads anything else, on any socket; and a buffer
 * per socket would cost 64 KiB of RSS per link once a burst had touched it (3 MiB at 50 links).
 */
const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);

const READS = Symbol('konnect.reusedReads');

/** Where a socket's reads go once its link takes them (until then they are copied and held). */
export interface ReusedReads {
  /**
   * Hands every read from now on to `sink`, valid during the call only; those held before come first,
   * a tick later.
   */
  take(sink: (bytes: Uint8Array) => void): void;
}

type WithReads = Socket & { [READS]?: ReusedReads };

/** What a socket read before its link took it, held as copies, and where reads go after. */
function readsFor(held: Uint8Array[]): {
  reads: ReusedReads;
  onread: (n: number, buffer: Uint8Array) => true;
} {
  let sink: ((bytes: Uint8Array) => void) | null = null;
  return {
    reads: {
      take(next) {
        if (held.length === 0) {
          sink = next;
          return;
        }
        // A tick later, as 'data' would give them: the taker is set up by then (a link has sent its
        // hello, its owner listens for its close). What is read meanwhile is held behind them.
        process.nextTick(() => {
          while (held.length > 0) for (const bytes of held.splice(0)) next(bytes);
          sink = next;
        });
      },
    },
    onread(n, buffer) {
      if (sink) sink(buffer.subarray(0, n));
      else held.push(Uint8Array.prototype.slice.call(buffer, 0, n));
      return true; // reading stops only when the link pauses the socket
    },
  };
}

/** A TCP connection to host:port whose reads land in a reused buffer (see readsOf). */
export function connectReusingReads(host: string, port: number): Socket {
  const { reads, onread } = readsFor([]);
  const socket: WithReads = connect({
    host,
    port,
    onread: { buffer: readBuffer, callback: onread },
  });
  socket[READS] = reads;
  return socket;
}

/**
 * Switches an accepted socket to reads into a reused buffer, as `onread` does for a dialled one, and
 * returns where they go (undefined, and the socket left as it was, to be read through 'data', when
 * it cannot: not a node:net TCP socket, or a Node without the fields below). Sets
 * the two fields that option sets (node:net's private kBuffer and kBufferCb, found by name) and tells
 * the handle to read into the buffer (its useUserBuffer, what `onread` calls). Bytes read before (a
 * sorter's first chunk, unshifted) are taken out first and given first. The unit test fails on a
 * Node where this no longer takes, rather than let the memory it saves grow back unnoticed.
 */
export function adoptReads(socket: object): ReusedReads | undefined {
  const existing = readsOf(socket);
  if (existing) return existing;
  const fields = socket as unknown as Record<symbol, unknown>;
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: unknown } })._handle;
  let kBuffer: symbol | undefined;
  let kBufferCb: symbol | undefined;
  for (const key of Object.getOwnPropertySymbols(socket)) {
    if (key.description === 'kBuffer') kBuffer = key;
    else if (key.description === 'kBufferCb') kBufferCb = key;
  }
  if (!(socket instanceof Socket) || socket.destroyed) return undefined;
  if (!kBuffer || !kBufferCb || fields[kBuffer] !== null || fields[kBufferCb] !== null) return undefined;
  if (!handle || typeof handle.useUserBuffer !== 'function') return undefined;
  const held: Uint8Array[] = [];
  for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null;) held.push(chunk);
  const { reads, onread } = readsFor(held);
  fields[kBuffer] = readBuffer;
  fields[kBufferCb] = onread;
  (handle.useUserBuffer as (buffer: Uint8Array) => void).call(handle, readBuffer);
  (socket as WithReads)[READS] = reads;
  return reads;
}

/** The reused reads of a socket made by connectReusingReads, else undefined (read its 'data'). */
export function readsOf(socket: object): ReusedReads | undefined {
  return (socket as WithReads)[READS];
}
