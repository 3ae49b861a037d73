/**
 * The benchmark's unit of work: a 200-byte chat message, signed as a node signs it. `signedChats`
 * builds stored messages (for pre-filling a history database) and `floodFrame` the frame a relay
 * receives, without a running node.
 */
import { type Identity, type StoredMessage } from '../../src/daemon/index.js';
import {
  type ChatPayload,
  DEFAULT_HOPS,
  encodeFrame,
  encodePayload,
  messageIdToString,
  newMessageId,
} from '../../src/wire/index.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';

export const MESSAGE_BYTES = 200;

/** A 200-byte (200 ASCII characters) text, different for each `n` so nothing compresses or dedups. */
export function chatText(n: number): string {
  const head = `msg ${n} `;
  return (
    head +
    'lorem ipsum dolor sit amet, consectetur adipiscing elit; '
      .repeat(4)
      .slice(0, MESSAGE_BYTES - head.length)
  );
}

export interface SignedChat {
  payload: ChatPayload;
  bytes: Uint8Array;
  sig: Uint8Array;
}

export function signedChat(author: Identity, room: string, ts: number, n: number): SignedChat {
  const payload: ChatPayload = {
    kind: 'chat',
    id: newMessageId(ts),
    from: author.id,
    ts,
    room,
    nick: 'bench',
    text: chatText(n),
  };
  const bytes = encodePayload(payload);
  return { payload, bytes, sig: nodeCrypto.sign(bytes, author.signingKey) };
}

/** `count` messages by `author` in `room`, one every `stepMs` from `startTs`, as a node stores them. */
export function signedChats(
  author: Identity,
  count: number,
  {
    room = 'lobby',
    startTs,
    stepMs = 1,
    first = 0,
  }: { room?: string; startTs: number; stepMs?: number; first?: number },
): StoredMessage[] {
  const out: StoredMessage[] = [];
  for (let i = 0; i < count; i++) {
    const ts = startTs + i * stepMs;
    const { payload, bytes, sig } = signedChat(author, room, ts, first + i);
    out.push({
      id: messageIdToString(payload.id),
      scope: `room:${room}`,
      room,
      peer: null,
      from: author.idHex,
      nick: payload.nick,
      ts,
      text: payload.text,
      action: false,
      own: false,
      status: null,
      via: 'live',
      future: false,
      receivedAt: ts,
      payload: bytes,
      sig,
    });
  }
  return out;
}

/** The flood frame a relay receives for a signed chat. */
export function floodFrame(chat: SignedChat, hops = DEFAULT_HOPS): Uint8Array {
  return encodeFrame({ kind: 'flood', id: chat.payload.id, hops, payload: chat.bytes, sig: chat.sig });
}
