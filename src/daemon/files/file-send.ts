/**
 * Offering a file (PROTOCOL.md §21): checks where it goes, prepares its chunks (file-offer.ts), signs
 * and floods the `file` payload (sealed to the recipient for a conversation, with the key its chunks
 * are sealed under) and keeps the offer in history like a message.
 */
import { stat } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import {
  chunkCount,
  type CryptoProvider,
  directAad,
  encodeFilePlaintext,
  FILE_CHUNK_BYTES,
  type FilePayload,
  fromHex,
  MAX_FILE_CHUNKS,
  messageIdToString,
  sealDirect,
  UsageError,
} from '../../wire/index.js';
import type { ConversationRef } from '../chat-api.js';
import type { NodeContext } from '../services/index.js';
import type { FileRecord, FileStore } from './file-store.js';
import { formatBytes, mediaType, offerText, prepareFile } from './file-offer.js';

export async function offerFile(
  ctx: NodeContext,
  crypto: CryptoProvider,
  store: FileStore,
  maxFileBytes: number,
  to: ConversationRef,
  path: string,
  /** The name offered, when not the file's own (a page's upload; a test's hostile sender). */
  offeredName?: string,
): Promise<FileRecord> {
  const { self, identity, clock, router, writer, ids, peerTable } = ctx;
  if (!self.running) throw new UsageError('NOT_RUNNING', 'the node is not running');
  if (!isAbsolute(path)) throw new UsageError('INVALID_ARGUMENT', `not an absolute path: ${path}`);
  const peer = to.kind === 'direct' ? peerTable.get(to.peer) : undefined;
  if (to.kind === 'room' && !self.inRoom(to.room))
    throw new UsageError('NOT_IN_ROOM', `not in room ${to.room}: join it first`);
  if (to.kind === 'direct' && !peer)
    throw new UsageError('UNKNOWN_PEER', `no known peer ${to.peer.slice(0, 12)}`);
  if (peer && !peer.xkey) throw new UsageError('UNKNOWN_PEER', `no key known yet for ${peer.nick}`);
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    size = info.size;
  } catch (err) {
    throw new UsageError('INVALID_ARGUMENT', `cannot send ${path}: ${(err as Error).message}`);
  }
  if (size > maxFileBytes || chunkCount(size) > MAX_FILE_CHUNKS)
    throw new UsageError(
      'FILE_TOO_LARGE',
      `${path} is ${formatBytes(size)}, above ${formatBytes(maxFileBytes)}`,
    );
  const key = peer ? crypto.randomBytes(32) : undefined;
  const prepared = await prepareFile(store, crypto, path, size, key);
  const name = (offeredName ?? basename(path)).slice(0, 255) || 'file';
  const type = mediaType(name);
  const now = clock.now();
  const id = ids.next(now);
  const description = {
    nick: self.nick,
    name,
    size,
    type,
    chunk: FILE_CHUNK_BYTES,
    root: fromHex(prepared.root),
  };
  let payload: FilePayload;
  if (peer && key) {
    const toId = fromHex(peer.id);
    const box = sealDirect(
      crypto,
      encodeFilePlaintext({ ...description, key }),
      peer.xkey!,
      directAad(id, identity.id, toId),
    );
    payload = { kind: 'file', id, from: identity.id, ts: now, to: toId, box };
  } else {
    payload = {
      kind: 'file',
      id,
      from: identity.id,
      ts: now,
      room: (to as { room: string }).room,
      ...description,
    };
  }
  const signed = router.originate(payload, peer?.link ? { only: peer.link, hops: 1 } : {});
  const room = to.kind === 'room' ? to.room : null;
  const record: FileRecord = {
    root: prepared.root,
    name,
    size,
    type,
    chunk: FILE_CHUNK_BYTES,
    count: prepared.count,
    key: key ? Buffer.from(key).toString('base64') : undefined,
    from: identity.idHex,
    nick: self.nick,
    room,
    peer: peer ? peer.id : null,
    ts: now,
    messageId: messageIdToString(id),
    own: true,
    state: 'done',
    path,
    error: null,
    addedAt: now,
  };
  store.save(record);
  writer.storeOwn(payload, signed, {
    room,
    peer: record.peer,
    text: offerText(record),
    action: false,
    nick: self.nick,
  });
  return record;
}
