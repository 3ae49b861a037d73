/**
 * The daemon's control socket: a Unix socket in the data directory, mode 0600, so only its owner can
 * drive the node. It serves any API through its method table (the ChatApi through CHAT_METHODS unless
 * told otherwise), checking each request against the table's schemas. A request that is refused is
 * answered with a code and the connection goes on; bytes that break the framing close that connection,
 * and nothing else.
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { encodeFrame, FrameDecoder, isKonnectError, KonnectError } from '../../wire/index.js';
import type { ChatApi } from '../chat-api.js';
import { CHAT_METHODS } from './chat-methods.js';
import { CONTROL_MAX_FRAME_BYTES, errorReply, parseControlRequest } from './control-protocol.js';
import type { Logger } from '../logger.js';
import { MethodSession, type MethodTable } from './method-table.js';

/** How long a connection whose framing broke may stay open to read why, before it is cut. */
const BROKEN_CONNECTION_GRACE_MS = 500;

export class ControlServer<Api extends object = ChatApi> {
  private server: Server | null = null;
  /** Set once this server listens on `path`: only then is the socket file ours to remove. */
  private ownsPath = false;
  private readonly sockets = new Set<Socket>();
  private readonly methods: MethodTable<Api>;
  /** The client whose conversation is on screen (PROTOCOL.md §20): when it goes, nothing is. */
  private shownBy: Socket | null = null;

  constructor(
    private readonly api: Api,
    readonly path: string,
    private readonly logger: Logger,
    /** What may be asked of `api`; needed unless `api` is a ChatApi. @default CHAT_METHODS */
    ...[methods]: Api extends ChatApi ? [methods?: MethodTable<Api>] : [methods: MethodTable<Api>]
  ) {
    this.methods = (methods ?? CHAT_METHODS) as unknown as MethodTable<Api>;
  }

  async start(): Promise<void> {
    if (existsSync(this.path)) {
      if (await socketAnswers(this.path)) {
        throw new KonnectError(
          'ALREADY_RUNNING',
          `a konnect node is already running for ${dirname(this.path)}`,
        );
      }
      unlinkSync(this.path); // left behind by a node that crashed
    }
    // Half-open allowed: a client may send its requests and end its side (`… | nc -U`); the replies
    // still owed (send answers once its message is on disk) go out before this side ends.
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Listen with a restrictive umask window closed by chmod right after: the path must never be
      // reachable by others.
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.ownsPath = true;
    chmodSync(this.path, 0o600);
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (!this.ownsPath) return; // another node's socket, or none: never remove it
    this.ownsPath = false;
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    // Every frame is kept, nil too (the decoder drops what `parse` makes null): each gets an answer.
    const decoder = new FrameDecoder<{ value: unknown }>({
      parse: (value) => ({ value }),
      maxFrameBytes: CONTROL_MAX_FRAME_BYTES,
    });
    const write = (frame: Uint8Array) => {
      if (!socket.destroyed && !socket.writableEnded) socket.write(frame);
    };
    const session = new MethodSession(this.api, this.methods, (event) => {
      try {
        write(encodeFrame({ kind: 'event', event }, CONTROL_MAX_FRAME_BYTES));
      } catch (err) {
        // Thrown here it would reach the node that emitted the event.
        this.logger.warn(`control event not sent: ${(err as Error).message}`);
      }
    });
    const cleanup = () => {
      session.close();
      this.sockets.delete(socket);
      // A UI that quit or crashed shows nothing any more: no read markers for what it showed.
      if (this.shownBy === socket) {
        this.shownBy = null;
        void (this.api as Partial<ChatApi>).setShownConversation?.(null).catch(() => undefined);
      }
    };
    socket.on('close', cleanup);
    socket.on('error', cleanup);
    let owed = 0;
    let clientEnded = false;
    socket.on('end', () => {
      clientEnded = true;
      if (owed === 0) socket.end();
    });
    const answer = async (rid: number, method: string, reply: Promise<unknown>) => {
      owed++;
      let frame: Uint8Array;
      try {
        // A result too large for a frame is refused like any failure; it must not escape as a rejection.
        frame = encodeFrame(
          { kind: 'res', rid, ok: true, result: (await reply) ?? null },
          CONTROL_MAX_FRAME_BYTES,
        );
      } catch (err) {
        frame = refuse(rid, this.refusal(method, err));
      }
      write(frame);
      owed--;
      if (clientEnded && owed === 0) socket.end();
    };
    socket.on('data', (chunk: Buffer) => {
      let frames: { value: unknown }[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        // The stream is out of step: nothing after this can be read. Say why, then close.
        write(refuse(0, this.refusal('', err)));
        socket.end();
        // A client that does not read would hold the connection half-open: cut it after a grace.
        setTimeout(() => socket.destroy(), BROKEN_CONNECTION_GRACE_MS).unref();
        return;
      }
      for (const frame of frames) {
        const parsed = parseControlRequest(frame.value);
        if (!parsed.ok) {
          write(refuse(parsed.rid, parsed.error));
          continue;
        }
        const { rid, method, params } = parsed.request;
        if (method === 'setShownConversation')
          this.shownBy = (params as { ref?: unknown } | null)?.ref ? socket : null;
        void answer(rid, method, session.handle(method, params));
      }
    });
  }

  /** A failure as a KonnectError to report; one that is not ours is a bug worth a log line. */
  private refusal(method: string, err: unknown): KonnectError {
    if (isKonnectError(err)) return err;
    this.logger.warn(`control request ${method} failed: ${(err as Error)?.message ?? String(err)}`);
    return new KonnectError('INVALID_ARGUMENT', (err as Error)?.message ?? String(err));
  }
}

/** The frame refusing request `rid` (its message is bounded, so it always fits). */
function refuse(rid: number, err: KonnectError): Uint8Array {
  return encodeFrame(errorReply(rid, err), CONTROL_MAX_FRAME_BYTES);
}

/** True when something accepts connections on the Unix socket at `path`. */
export function socketAnswers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    const timer = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
