/**
 * The daemon's control socket: a Unix socket in the data directory, mode 0600, so only its owner can
 * drive the node. Each connection sends requests and may subscribe to events; a malformed request
 * closes that connection and nothing else.
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder, isKonnectError, KonnectError } from '../wire/index.js';
import type { ChatEvent, ConversationRef, HistoryQuery } from './chat-api.js';
import { CONTROL_MAX_FRAME_BYTES, type ControlRequest, parseControlRequest } from './control-protocol.js';
import type { Logger } from './logger.js';
import type { KonnectNode } from './node.js';

export class ControlServer {
  private server: Server | null = null;
  /** Set once this server listens on `path`: only then is the socket file ours to remove. */
  private ownsPath = false;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly node: KonnectNode,
    readonly path: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    if (existsSync(this.path)) {
      if (await socketAnswers(this.path)) {
        throw new KonnectError(
          'ALREADY_RUNNING',
          `a konnect node is already running for ${this.node.dataDir}`,
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
    const decoder = new FrameDecoder<ControlRequest>({
      parse: parseControlRequest,
      maxFrameBytes: CONTROL_MAX_FRAME_BYTES,
    });
    let unsubscribe: (() => void) | null = null;
    const cleanup = () => {
      unsubscribe?.();
      unsubscribe = null;
      this.sockets.delete(socket);
    };
    socket.on('close', cleanup);
    socket.on('error', cleanup);
    const write = (value: unknown) => {
      if (!socket.destroyed) socket.write(encodeFrame(value, CONTROL_MAX_FRAME_BYTES));
    };
    let owed = 0;
    let clientEnded = false;
    socket.on('end', () => {
      clientEnded = true;
      if (owed === 0) socket.end();
    });
    const settle = () => {
      owed--;
      if (clientEnded && owed === 0) socket.end();
    };
    socket.on('data', (chunk: Buffer) => {
      let requests: ControlRequest[];
      try {
        requests = decoder.push(chunk);
      } catch (err) {
        write({
          kind: 'res',
          rid: 0,
          ok: false,
          error: { code: isKonnectError(err) ? err.code : 'USAGE', message: (err as Error).message },
        });
        socket.end();
        // A client that does not read would hold the connection half-open: cut it after a grace.
        setTimeout(() => socket.destroy(), 500).unref();
        return;
      }
      for (const req of requests) {
        if (req.method === 'subscribe') {
          if (!unsubscribe) {
            const listener = (event: ChatEvent) => write({ kind: 'event', event });
            this.node.on('event', listener);
            unsubscribe = () => this.node.off('event', listener);
          }
          write({ kind: 'res', rid: req.rid, ok: true, result: null });
          continue;
        }
        if (req.method === 'unsubscribe') {
          unsubscribe?.();
          unsubscribe = null;
          write({ kind: 'res', rid: req.rid, ok: true, result: null });
          continue;
        }
        const fail = (err: unknown) => {
          const code = isKonnectError(err) ? err.code : 'INVALID_ARGUMENT';
          if (!isKonnectError(err))
            this.logger.warn(`control request ${req.method} failed: ${(err as Error).message}`);
          write({ kind: 'res', rid: req.rid, ok: false, error: { code, message: (err as Error).message } });
        };
        try {
          const result = this.call(req);
          // Only `send` answers later (once its message is on disk); replies carry their rid.
          if (result instanceof Promise) {
            owed++;
            result
              .then(
                (value: unknown) => write({ kind: 'res', rid: req.rid, ok: true, result: value ?? null }),
                fail,
              )
              .finally(settle);
          } else write({ kind: 'res', rid: req.rid, ok: true, result: result ?? null });
        } catch (err) {
          fail(err);
        }
      }
    });
  }

  private call(req: ControlRequest): unknown {
    const p = req.params;
    const str = (key: string): string => {
      if (typeof p[key] !== 'string')
        throw new KonnectError('INVALID_ARGUMENT', `${req.method}: ${key} must be a string`);
      return p[key] as string;
    };
    switch (req.method) {
      case 'status':
        return this.node.status();
      case 'peers':
        return this.node.peers();
      case 'history':
        return this.node.history(historyQuery(p));
      case 'send':
        // The id is printed only once the message survives power loss.
        return this.node.sendDurable(conversation(p.to), str('text'), { action: p.action === true });
      case 'setNick':
        return this.node.setNick(str('nick'));
      case 'joinRoom':
        return this.node.joinRoom(str('room'));
      case 'leaveRoom':
        return this.node.leaveRoom(str('room'));
      case 'resolvePeer':
        return this.node.resolvePeer(str('query'));
      case 'setTopic':
        return this.node.setTopic(str('room'), str('topic'));
      case 'topics':
        return this.node.topics.list();
      case 'setOpenDirects': {
        const peers = p.peers;
        if (!Array.isArray(peers) || !peers.every((x) => typeof x === 'string'))
          throw new KonnectError('INVALID_ARGUMENT', 'setOpenDirects: peers must be a list of node ids');
        return this.node.setOpenDirects(peers as string[]);
      }
      default:
        throw new KonnectError('USAGE', `unknown method ${req.method}`);
    }
  }
}

function historyQuery(p: Record<string, unknown>): HistoryQuery {
  const q: HistoryQuery = {};
  const bad = (key: string) => new KonnectError('INVALID_ARGUMENT', `history: bad ${key}`);
  if (p.room !== undefined && p.room !== null)
    q.room =
      typeof p.room === 'string'
        ? p.room
        : (() => {
            throw bad('room');
          })();
  if (p.peer !== undefined && p.peer !== null)
    q.peer =
      typeof p.peer === 'string'
        ? p.peer
        : (() => {
            throw bad('peer');
          })();
  if (p.search !== undefined && p.search !== null)
    q.search =
      typeof p.search === 'string'
        ? p.search
        : (() => {
            throw bad('search');
          })();
  if (p.limit !== undefined && p.limit !== null) {
    if (typeof p.limit !== 'number' || !Number.isSafeInteger(p.limit) || p.limit < 1) throw bad('limit');
    q.limit = p.limit;
  }
  if (p.before !== undefined && p.before !== null) {
    const b = p.before as { ts?: unknown; id?: unknown };
    if (typeof b !== 'object' || typeof b.ts !== 'number' || typeof b.id !== 'string') throw bad('before');
    q.before = { ts: b.ts, id: b.id };
  }
  return q;
}

function conversation(value: unknown): ConversationRef {
  const v = value as { kind?: unknown; room?: unknown; peer?: unknown } | null;
  if (v && v.kind === 'room' && typeof v.room === 'string') return { kind: 'room', room: v.room };
  if (v && v.kind === 'direct' && typeof v.peer === 'string') return { kind: 'direct', peer: v.peer };
  throw new KonnectError(
    'INVALID_ARGUMENT',
    'send: `to` must be {kind:"room", room} or {kind:"direct", peer}',
  );
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
