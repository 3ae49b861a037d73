/**
 * Files in the page (PROTOCOL.md §21): offers read from the mesh and kept (records in IndexedDB), the
 * fetches (page-file-fetch.ts) of what the person asks for and of small pictures without asking, the
 * page's own offers made from a File (hash tree built in the page, signed with the page's key, direct
 * files sealed to the recipient), and the answers to the node's file-have / file-want for what the page
 * holds. The bytes live in memory only: a file fetched here is held as a Blob for the page's life (at
 * most PAGE_MAX_FETCH_BYTES each), and an own file is read from its File when a chunk is asked.
 */
import type { ChatEvent, ChatMessage, ConversationRef, FileInfo, NodeIdHex } from '../../daemon/chat-api.js';
import {
  chunkCount,
  type CryptoProvider,
  DEFAULT_HOPS,
  directAad,
  encodeFilePlaintext,
  FILE_CHUNK_BYTES,
  FILE_KEY_BYTES,
  type FileLinkMessage,
  fromHex,
  leafHash,
  type LinkMessage,
  MAX_FILE_CHUNKS,
  openChunk,
  sealDirect,
  toHex,
  treeRoot,
  UsageError,
} from '../../wire/index.js';
import { getMeta, putMeta } from './idb.js';
import { PageFetch } from './page-file-fetch.js';
import { PageServer, travelling } from './page-file-serve.js';
import {
  cleanType,
  fileInfo,
  formatBytes,
  INLINE_TYPES,
  offerMessage,
  type PageFileRecord,
  readOffer,
} from './page-file-offer.js';
import type { Signed } from './outbound.js';
import type { StoredRow } from './peer-store.js';
import type { WebIdentity } from './web-identity.js';
import type { WsLink } from './ws-link.js';

/** Largest file the page fetches: its chunks are held in memory until it is whole. */
export const PAGE_MAX_FETCH_BYTES = 64 * 1024 ** 2;
/** Files being fetched at once, in all (their chunks are in memory until each is whole). */
export const PAGE_MAX_FETCHING_BYTES = 128 * 1024 ** 2;
/** Pictures up to this size are fetched and shown without asking. */
export const PAGE_AUTO_FETCH_BYTES = 8 * 1024 ** 2;
/** Fetched files held in memory in all; past it the oldest are let go (fetch again to see them). */
export const PAGE_MAX_HELD_BYTES = 256 * 1024 ** 2;
/** Pictures fetched again when the page is reloaded (newest first). */
const REFETCH_PICTURES = 20;
/** Largest file the page offers (read chunk by chunk from the File, never whole). */
export const PAGE_MAX_SEND_BYTES = 2 * 1024 ** 3;
/** File records kept in IndexedDB, newest last. */
const MAX_RECORDS = 500;
const PROGRESS_EVERY_MS = 250;

export interface PageFilesContext {
  identity: WebIdentity;
  crypto: CryptoProvider;
  db: IDBDatabase;
  /** The link when it is up. */
  link(): WsLink | null;
  nick(): string;
  inRoom(room: string): boolean;
  xkeyOf(peer: NodeIdHex): Uint8Array | null;
  /** Signs a payload the page made (Outbound.sign). */
  sign(draft: (id: Uint8Array) => object): Signed;
  /** Sends, stores and shows an own message (as WebPeer.send does). */
  publish(signed: Signed, row: StoredRow, hops: number): Promise<void>;
  emit(event: ChatEvent): void;
  rejected(err: Error): void;
}

export class PageFiles {
  private readonly records = new Map<string, PageFileRecord>();
  private readonly blobs = new Map<string, Blob>();
  private readonly leaves = new Map<string, Uint8Array[]>();
  private readonly fetches = new Map<string, PageFetch>();
  private readonly server: PageServer;
  private ticker: ReturnType<typeof setTimeout> | undefined;
  private lastProgress = 0;
  readonly loaded: Promise<void>;

  constructor(private readonly ctx: PageFilesContext) {
    this.server = new PageServer(
      ctx.crypto,
      (root) => {
        const [blob, leaves, record] = [this.blobs.get(root), this.leaves.get(root), this.records.get(root)];
        return blob && leaves && record ? { blob, leaves, count: record.count, key: record.key } : null;
      },
      () => {
        const link = ctx.link();
        return link ? (m) => link.send(m) : null;
      },
      (err) => ctx.rejected(err),
    );
    this.loaded = getMeta<PageFileRecord[]>(ctx.db, 'files').then(
      (saved) => {
        for (const r of saved ?? []) {
          // The bytes were in memory: a fetch, or a fetched file, starts again from the offer.
          if (!r.own && r.state !== 'offered') r.state = 'offered';
          if (!this.records.has(r.root)) this.records.set(r.root, r);
        }
        // A reloaded page shows its recent pictures again: fetched anew, as on their first arrival.
        const pictures = [...this.records.values()].filter((r) => this.autoFetched(r));
        for (const r of pictures.sort((a, b) => b.ts - a.ts).slice(0, REFETCH_PICTURES)) this.start(r);
      },
      (err: unknown) => ctx.rejected(err as Error),
    );
  }

  /** A signed payload of kind `file` (live or synced): its record kept, and the line it shows as. */
  offer(payload: Uint8Array, id: string, via: ChatMessage['via'], scope?: string): ChatMessage | null {
    const { crypto, identity } = this.ctx;
    const record = readOffer(crypto, identity, payload, (room) => this.ctx.inRoom(room), scope);
    if (!record) return null;
    record.messageId = id;
    const known = this.records.get(record.root);
    if (!known) {
      this.records.set(record.root, record);
      void this.save();
      this.ctx.emit({ type: 'file', file: this.info(record) });
      if (this.autoFetched(record) && this.fetchingBytes() + record.size <= PAGE_MAX_FETCHING_BYTES)
        this.start(record);
    }
    return offerMessage(known ?? record, id, via);
  }

  list(): FileInfo[] {
    return [...this.records.values()].sort((a, b) => b.ts - a.ts).map((r) => this.info(r));
  }

  /** Starts fetching a file (idempotent), by 6+ hex digits of its id or its message id. */
  get(query: string): FileInfo {
    const record = this.find(query);
    if (record.size > PAGE_MAX_FETCH_BYTES)
      throw new UsageError(
        'FILE_TOO_LARGE',
        `${record.name} is ${formatBytes(record.size)}; the page fetches files up to ${formatBytes(PAGE_MAX_FETCH_BYTES)} (a terminal node takes larger ones)`,
      );
    if (record.own || this.blobs.has(record.root) || this.fetches.has(record.root)) return this.info(record);
    if (this.fetchingBytes() + record.size > PAGE_MAX_FETCHING_BYTES)
      throw new UsageError(
        'FILE_TOO_LARGE',
        `the page fetches up to ${formatBytes(PAGE_MAX_FETCHING_BYTES)} at once: fetch ${record.name} when those under way are done`,
      );
    this.start(record);
    return this.info(record);
  }

  /** The whole file (plaintext) once the page holds it. */
  blob(query: string): Blob | null {
    return this.blobs.get(this.find(query).root) ?? null;
  }

  /** Offers a file the person picked (or dropped, or took with the camera) to a room or a peer. */
  async send(to: ConversationRef, blob: Blob, name: string): Promise<FileInfo> {
    const { crypto, identity } = this.ctx;
    if (to.kind === 'room' && !this.ctx.inRoom(to.room))
      throw new UsageError('NOT_IN_ROOM', `not in room ${to.room}: join it first`);
    const xkey = to.kind === 'direct' ? this.ctx.xkeyOf(to.peer) : null;
    if (to.kind === 'direct' && !xkey)
      throw new UsageError('UNKNOWN_PEER', 'no key known yet for this peer; wait until it is online');
    if (blob.size > PAGE_MAX_SEND_BYTES || chunkCount(blob.size) > MAX_FILE_CHUNKS)
      throw new UsageError(
        'FILE_TOO_LARGE',
        `${name} is ${formatBytes(blob.size)}, above ${formatBytes(PAGE_MAX_SEND_BYTES)}`,
      );
    const key = xkey ? crypto.randomBytes(FILE_KEY_BYTES) : undefined;
    const count = chunkCount(blob.size);
    const leaves: Uint8Array[] = [];
    for (let i = 0; i < count; i++) leaves.push(leafHash(crypto, await travelling(crypto, blob, i, key)));
    const rootBytes = treeRoot(crypto, leaves);
    const safeName =
      [...(name || 'file')]
        .slice(0, 255)
        .join('')
        .replace(/[\u0000-\u001f]/g, '') || 'file';
    const description = {
      nick: this.ctx.nick(),
      name: safeName,
      size: blob.size,
      type: cleanType(blob.type),
      chunk: FILE_CHUNK_BYTES,
      root: rootBytes,
    };
    const signed = this.ctx.sign((id) => {
      if (to.kind === 'room') return { kind: 'file', room: to.room, ...description };
      const toId = fromHex(to.peer);
      const box = encodeFilePlaintext({ ...description, key: key! });
      return {
        kind: 'file',
        to: toId,
        box: sealDirect(crypto, box, xkey!, directAad(id, identity.id, toId)),
      };
    });
    const record: PageFileRecord = {
      ...description,
      root: toHex(rootBytes),
      count,
      key,
      from: identity.idHex,
      room: to.kind === 'room' ? to.room : null,
      peer: to.kind === 'direct' ? to.peer : null,
      ts: signed.ts,
      messageId: signed.idText,
      own: true,
      state: 'done',
      error: null,
    };
    this.records.set(record.root, record);
    this.blobs.set(record.root, blob);
    this.leaves.set(record.root, leaves);
    void this.save();
    const message = offerMessage(record, signed.idText, 'local');
    const row: StoredRow = {
      ...message,
      conv: record.room ? `room:${record.room}` : `dm:${record.peer}`,
      payload: signed.payload,
      sig: signed.sig,
    };
    const linked = this.ctx.link()?.remoteHello;
    await this.ctx.publish(signed, row, linked && toHex(linked.id) === record.peer ? 1 : DEFAULT_HOPS);
    const info = this.info(record);
    this.ctx.emit({ type: 'file', file: info });
    return info;
  }

  /** The link came up: fetches resume on it. */
  linkUp(): void {
    const link = this.ctx.link();
    if (!link) return;
    this.server.reset();
    for (const fetch of this.fetches.values()) fetch.start((m) => link.send(m));
    if (this.fetches.size > 0) this.tick();
  }

  /** A link message from the node: file-* ones are for files (§21.3), others not. */
  handle(message: LinkMessage): void {
    const link = this.ctx.link();
    if (!link || !message.kind.startsWith('file-')) return;
    const m = message as FileLinkMessage;
    const send = (out: LinkMessage) => link.send(out);
    const root = toHex(m.root);
    const fetch = this.fetches.get(root);
    switch (m.kind) {
      case 'file-have':
        if (m.want && this.leaves.has(root) && this.blobs.has(root)) {
          const bits = new Uint8Array(Math.ceil(this.records.get(root)!.count / 8)).fill(0xff);
          send({ kind: 'file-have', root: m.root, bits });
        }
        fetch?.have(m.bits, send);
        return;
      case 'file-want':
        return this.server.want(m.root, m.chunks, m.leaves, send);
      case 'file-leaves':
        return fetch?.leavesArrived(m, send);
      case 'file-none':
        fetch?.none(m, send);
        // Said once: the page waits on (the node may be fetching it), and the card tells why.
        if (fetch && m.leaves && fetch.refusals === 3)
          this.ctx.emit({ type: 'file', file: this.info(fetch.record) });
        return;
      case 'file-chunk':
        if (fetch?.chunk(m, send)) this.progressed(fetch);
    }
  }

  private start(record: PageFileRecord): void {
    if (this.fetches.has(record.root)) return;
    const fetch = new PageFetch(record, this.ctx.crypto, (err) => this.ctx.rejected(err));
    this.fetches.set(record.root, fetch);
    record.state = 'fetching';
    record.error = null;
    this.ctx.emit({ type: 'file', file: this.info(record) });
    if (record.count === 0) return this.finish(fetch);
    const link = this.ctx.link();
    if (link) fetch.start((m) => link.send(m));
    this.tick();
  }

  /** Ticks once a second while something is fetched over a link that is up (a closed page stops it). */
  private tick(): void {
    if (this.ticker !== undefined) return;
    this.ticker = setTimeout(() => {
      this.ticker = undefined;
      const link = this.ctx.link();
      if (!link || this.fetches.size === 0) return;
      for (const f of this.fetches.values()) f.tick((m) => link.send(m));
      this.tick();
    }, 1000);
  }

  private progressed(fetch: PageFetch): void {
    if (fetch.complete) return this.finish(fetch);
    const now = Date.now();
    if (now - this.lastProgress < PROGRESS_EVERY_MS) return;
    this.lastProgress = now;
    this.ctx.emit({ type: 'file', file: this.info(fetch.record) });
  }

  /** Bytes of the files being fetched: their chunks are in memory until each is whole. */
  private fetchingBytes(): number {
    let n = 0;
    for (const f of this.fetches.values()) n += f.record.size;
    return n;
  }

  private autoFetched(r: PageFileRecord): boolean {
    return INLINE_TYPES.has(r.type) && r.size <= PAGE_AUTO_FETCH_BYTES && !r.own;
  }

  /** Fetched files past PAGE_MAX_HELD_BYTES in all are let go, oldest first (own ones are kept). */
  private bound(): void {
    const fetched = [...this.records.values()].filter((r) => !r.own && this.blobs.has(r.root));
    let total = fetched.reduce((n, r) => n + r.size, 0);
    for (const r of fetched.sort((a, b) => a.ts - b.ts)) {
      if (total <= PAGE_MAX_HELD_BYTES) return;
      total -= r.size;
      this.blobs.delete(r.root);
      this.leaves.delete(r.root);
      r.state = 'offered';
      this.ctx.emit({ type: 'file', file: this.info(r) });
    }
  }

  private finish(fetch: PageFetch): void {
    const { record } = fetch;
    this.fetches.delete(record.root);
    try {
      const parts = fetch
        .take()
        .map((c, i) => (record.key ? openChunk(this.ctx.crypto, record.key, i, c) : c));
      this.blobs.set(record.root, new Blob(parts as BlobPart[], { type: cleanType(record.type) }));
      if (fetch.leaves) this.leaves.set(record.root, fetch.leaves);
      record.state = 'done';
      this.bound();
    } catch {
      record.state = 'failed';
      record.error = 'a chunk did not open with the key of the offer';
    }
    void this.save();
    this.ctx.emit({ type: 'file', file: this.info(record) });
  }

  private find(query: string): PageFileRecord {
    const all = [...this.records.values()];
    const byMessage = all.find((r) => r.messageId === query);
    if (byMessage) return byMessage;
    const q = query.toLowerCase();
    const matches = /^[0-9a-f]{6,64}$/.test(q) ? all.filter((r) => r.root.startsWith(q)) : [];
    if (matches.length !== 1)
      throw new UsageError(
        'UNKNOWN_FILE',
        matches.length ? `${matches.length} files match ${query}` : `no file matches ${query}`,
      );
    return matches[0];
  }

  private info(r: PageFileRecord): FileInfo {
    const fetch = this.fetches.get(r.root);
    const progress = fetch && {
      held: fetch.held,
      badChunks: fetch.badChunks,
      refused: !fetch.leaves && fetch.refusals >= 3,
    };
    return fileInfo(r, progress, this.blobs.has(r.root));
  }

  private async save(): Promise<void> {
    await this.loaded;
    const kept = [...this.records.values()].sort((a, b) => a.ts - b.ts).slice(-MAX_RECORDS);
    await putMeta(this.ctx.db, 'files', kept).catch((err: unknown) => this.ctx.rejected(err as Error));
  }
}
