/**
 * Files (PROTOCOL.md §21): the `file` payload kind (an offer to a room, or sealed to one node), what a
 * person does with files (send, list, get), and where a finished file lands. The chunks move through
 * FileServer (what this node holds, answered to neighbours) and FileFetcher (what it fetches).
 */
import { statfsSync } from 'node:fs';
import {
  type CryptoProvider,
  decodeFilePlaintext,
  directAad,
  FILE_PAYLOAD_SCHEMA,
  type FilePayload,
  isKonnectError,
  MAX_FILE_CHUNKS,
  messageIdToString,
  openDirect,
  releaseFrame,
  sanitizeLabel,
  StorageError,
  toHex,
  UsageError,
  chunkCount,
} from '../../wire/index.js';
import type { Timer } from '../../clock/index.js';
import type { ConversationRef, FileInfo } from '../chat-api.js';
import type { SignedMessage } from '../flood/index.js';
import type { Link } from '../links/index.js';
import type { NodeContext, NodeService, PayloadKind, Via } from '../services/index.js';
import { FileFetcher } from './file-fetch.js';
import { type FileRecord, FileStore } from './file-store.js';
import { formatBytes, offerText } from './file-offer.js';
import { offerFile } from './file-send.js';
import { FileServer } from './file-serve.js';
import { LeafFileRelay } from './leaf-relay.js';
import { writeDownload } from './file-download.js';
import { downloadsDir } from './safe-name.js';

export interface FileOptions {
  /** Chunks of finished files kept to serve others, oldest dropped first. @default 2 GiB */
  keepFilesBytes?: number;
  /** Largest file sent or fetched. @default 2 GiB */
  maxFileBytes?: number;
  /** Offers up to this size are fetched without asking. @default 8 MiB */
  autoAcceptBytes?: number;
  /** Where finished files land. @default $XDG_DOWNLOAD_DIR, user-dirs.dirs, else DATA_DIR/downloads */
  downloadDir?: string;
}

export const DEFAULT_KEEP_FILES_BYTES = 2 * 1024 ** 3;
export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 ** 3;
export const DEFAULT_AUTO_ACCEPT_BYTES = 8 * 1024 ** 2;
/** Free space left over after a file is written, at least. */
const SPARE_DISK_BYTES = 16 * 1024 ** 2;
/** Progress of one transfer is told to the UI at most this often. */
const PROGRESS_EVERY_MS = 250;

export class FileService implements NodeService {
  readonly payloadKinds: readonly PayloadKind<FilePayload>[];
  readonly store: FileStore;
  readonly server: FileServer;
  readonly fetcher: FileFetcher;
  readonly relay: LeafFileRelay;
  private readonly downloads: string;
  private ticker: Timer | null = null;
  private readonly progress = new Map<string, { at: number; held: number; rate: number }>();

  constructor(
    private readonly ctx: NodeContext,
    private readonly crypto: CryptoProvider,
    dataDir: string,
    private readonly opts: Required<Omit<FileOptions, 'downloadDir'>> & { downloadDir?: string },
  ) {
    this.store = new FileStore(dataDir, ctx.logger);
    this.store.load();
    this.downloads = opts.downloadDir ?? downloadsDir(dataDir);
    this.server = new FileServer(this.store, ctx.logger);
    this.fetcher = new FileFetcher(this.store, crypto, ctx.clock, ctx.logger, () => ctx.links.links(), {
      progress: (root) => this.onProgress(root),
      complete: (root) => this.finish(root),
    });
    this.payloadKinds = [
      { kind: 'file', schema: FILE_PAYLOAD_SCHEMA, deliver: (p, s, via) => this.deliver(p, s, via) },
    ];
    const table = ctx.links.messages;
    // A root this node does not know, asked by or of a browser page: carried one hop (leaf-relay.ts).
    const relay = (this.relay = new LeafFileRelay(
      (root) => !!this.store.get(root),
      () => ctx.links.links(),
      () => ctx.clock.now(),
    ));
    table.handle('file-have', (link, m) => relay.have(link, m) || this.fetcher.have(link, m));
    table.handle('file-want', (link, m) => relay.want(link, m) || this.server.want(link, m));
    table.handle('file-chunk', (link, m) => {
      try {
        if (!relay.chunk(link, m)) this.fetcher.chunk(link, m);
      } finally {
        // Hashed, written or forwarded (encoded anew) by now, and kept by no one: the frame's buffer
        // is read into again (frame-pool.ts), so a transfer's chunks leave no garbage behind.
        releaseFrame(m.data);
      }
    });
    table.handle(
      'file-leaves',
      (link, m) => relay.leavesArrived(link, m) || this.fetcher.leavesArrived(link, m),
    );
    table.handle('file-none', (link, m) => relay.none(link, m) || this.fetcher.none(link, m));
  }

  start(): void {
    this.ticker = this.ctx.clock.setInterval(() => this.fetcher.tick(), 1000);
    for (const record of this.store.all()) if (record.state === 'fetching') this.fetcher.start(record.root);
  }

  stop(): void {
    this.fetcher.halt();
    if (this.ticker) this.ctx.clock.clearInterval(this.ticker);
    this.ticker = null;
  }

  linkUp(link: Link): void {
    this.server.linkUp(link);
    this.fetcher.linkUp(link);
  }

  linkDown(link: Link): void {
    this.server.linkDown(link);
    this.fetcher.linkDown(link);
    this.relay.linkDown(link);
  }

  /** Offers a file on this machine to a room or a conversation. */
  async send(to: ConversationRef, path: string, name?: string): Promise<FileInfo> {
    const record = await offerFile(this.ctx, this.crypto, this.store, this.opts.maxFileBytes, to, path, name);
    // The file just offered is kept whatever the bound: no one could fetch it otherwise.
    this.evict(record.root);
    const info = this.info(record);
    this.ctx.emit({ type: 'file', file: info });
    return info;
  }

  /** Every file known, newest first. */
  list(): FileInfo[] {
    return this.store
      .all()
      .sort((a, b) => b.ts - a.ts)
      .map((r) => this.info(r));
  }

  /** Starts fetching an offered file (idempotent). */
  get(id: string): FileInfo {
    const record = this.find(id);
    if (record.own || record.state === 'fetching') return this.info(record);
    if (record.state === 'done' && this.store.heldCount(record.root) === record.count)
      return this.info(record);
    if (record.size > this.opts.maxFileBytes)
      throw new UsageError(
        'FILE_TOO_LARGE',
        `${record.name} is ${formatBytes(record.size)}, above ${formatBytes(this.opts.maxFileBytes)}`,
      );
    this.checkSpace(record);
    record.state = 'fetching';
    record.error = null;
    record.addedAt = this.ctx.clock.now();
    this.store.save(record);
    this.progress.set(record.root, {
      at: this.ctx.clock.now(),
      held: this.store.heldCount(record.root),
      rate: 0,
    });
    this.fetcher.start(record.root);
    const info = this.info(record);
    this.ctx.emit({ type: 'file', file: info });
    return info;
  }

  /** Chunks that failed their hash since start, by the node that sent them. */
  badChunks(): Map<string, number> {
    return this.fetcher.badChunks;
  }

  info(record: FileRecord): FileInfo {
    const stats = this.fetcher.stats(record.root);
    return {
      id: record.root,
      name: sanitizeLabel(record.name),
      size: record.size,
      type: record.type,
      from: record.from,
      nick: record.nick,
      room: record.room,
      peer: record.peer,
      ts: record.ts,
      messageId: record.messageId,
      own: record.own,
      state: record.state,
      chunks: record.count,
      held: this.store.heldCount(record.root),
      fetched: stats?.fetched ?? 0,
      rate: record.state === 'fetching' ? Math.round(this.progress.get(record.root)?.rate ?? 0) : 0,
      holders: stats?.holders ?? 0,
      badChunks: stats?.badChunks ?? 0,
      path: record.path,
      error: record.error,
    };
  }

  private find(id: string): FileRecord {
    const query = id.toLowerCase();
    const all = this.store.all();
    const byMessage = all.find((r) => r.messageId === id);
    if (byMessage) return byMessage;
    if (!/^[0-9a-f]{6,64}$/.test(query))
      throw new UsageError(
        'UNKNOWN_FILE',
        `no file ${id}: give 6 or more hex digits of its id (konnect files)`,
      );
    const matches = all.filter((r) => r.root.startsWith(query));
    if (matches.length === 0) throw new UsageError('UNKNOWN_FILE', `no file offered or held matches ${id}`);
    if (matches.length > 1)
      throw new UsageError('UNKNOWN_FILE', `${matches.length} files match ${id}: give more digits`);
    return matches[0];
  }

  private checkSpace(record: FileRecord): void {
    let free = Infinity;
    try {
      const fs = statfsSync(this.store.dir);
      free = fs.bavail * fs.bsize;
    } catch {
      // a file system that cannot say: try, and fail on the write if it must
    }
    const need = 2 * record.size + SPARE_DISK_BYTES - this.store.heldBytes(record.root);
    if (free < need)
      throw new StorageError(
        'NO_SPACE',
        `${record.name} needs ${formatBytes(need)} free; ${formatBytes(free)} is free`,
      );
  }

  private deliver(payload: FilePayload, signed: SignedMessage, via: Via): boolean {
    const { identity, logger, writer, self } = this.ctx;
    const from = toHex(payload.from);
    let description;
    let key: Uint8Array | undefined;
    if (payload.to && payload.box) {
      if (toHex(payload.to) !== identity.idHex) return false;
      try {
        const plain = decodeFilePlaintext(
          openDirect(
            this.crypto,
            payload.box,
            identity.xPrivate,
            identity.xPublic,
            directAad(payload.id, payload.from, payload.to),
          ),
        );
        ({ key, ...description } = plain);
      } catch (err) {
        logger.warn('a direct file offer did not open', {
          from: from.slice(0, 12),
          error: isKonnectError(err) ? err.code : String(err),
        });
        return false;
      }
    } else if (
      payload.room !== undefined &&
      payload.nick !== undefined &&
      payload.name !== undefined &&
      payload.size !== undefined &&
      payload.type !== undefined &&
      payload.chunk !== undefined &&
      payload.root !== undefined
    ) {
      if (!self.inRoom(payload.room)) return false;
      const { nick, name, size, type, chunk, root } = payload;
      description = { nick, name, size, type, chunk, root };
    } else return false;
    if (description.chunk < 1 || chunkCount(description.size, description.chunk) > MAX_FILE_CHUNKS)
      return false;
    const root = toHex(description.root);
    const room = payload.to ? null : payload.room!;
    const peer = payload.to ? from : null;
    const known = this.store.get(root);
    const record: FileRecord = known ?? {
      root,
      name: description.name,
      size: description.size,
      type: description.type,
      chunk: description.chunk,
      count: chunkCount(description.size, description.chunk),
      key: key ? Buffer.from(key).toString('base64') : undefined,
      from,
      nick: description.nick,
      room,
      peer,
      ts: payload.ts,
      messageId: messageIdToString(payload.id),
      own: false,
      state: 'offered',
      path: null,
      error: null,
      addedAt: this.ctx.clock.now(),
    };
    const fresh = writer.storeReceived(
      signed,
      {
        scope: room ? `room:${room}` : `dm:${from}`,
        room,
        peer,
        payload,
        nick: description.nick,
        text: offerText(record),
        action: false,
      },
      via,
    );
    if (!fresh) return false;
    if (!known) this.store.save(record);
    this.ctx.emit({ type: 'file', file: this.info(record) });
    if (record.state === 'offered' && record.size <= this.opts.autoAcceptBytes) {
      try {
        this.get(root);
      } catch (err) {
        logger.warn(`did not fetch ${record.name}: ${(err as Error).message}`);
      }
    }
    return true;
  }

  private onProgress(root: string): void {
    const now = this.ctx.clock.now();
    const last = this.progress.get(root) ?? { at: now, held: 0, rate: 0 };
    if (now - last.at < PROGRESS_EVERY_MS) return;
    const record = this.store.get(root);
    if (!record) return;
    const held = this.store.heldCount(root);
    const instant = ((held - last.held) * record.chunk * 1000) / (now - last.at);
    this.progress.set(root, {
      at: now,
      held,
      rate: last.rate === 0 ? instant : 0.7 * last.rate + 0.3 * instant,
    });
    this.ctx.emit({ type: 'file', file: this.info(record) });
  }

  private finish(root: string): void {
    const record = this.store.get(root);
    if (!record || record.own) return;
    try {
      record.path = writeDownload(this.store, this.crypto, record, this.downloads);
      record.state = 'done';
    } catch (err) {
      record.state = 'failed';
      record.error = (err as Error).message;
      this.ctx.logger.error(`could not write ${record.name}: ${record.error}`);
    }
    this.store.save(record);
    this.progress.delete(root);
    this.ctx.emit({ type: 'file', file: this.info(record) });
    this.evict();
  }

  private evict(keep?: string): void {
    const active = new Set(
      this.store
        .all()
        .filter((r) => r.state === 'fetching' || r.root === keep)
        .map((r) => r.root),
    );
    this.store.evict(this.opts.keepFilesBytes, active);
  }
}
