/** Room messages (`chat` payloads): what a person writes to a room, and what arrives for rooms we are in. */
import { type ChatPayload, isPrivateRoomId, PAYLOAD_SCHEMAS, UsageError } from '../../wire/index.js';
import type { SignedMessage } from '../flood/index.js';
import type { ChatMessage } from '../chat-api.js';
import type { NodeContext, NodeService, PayloadKind, Via } from '../services/index.js';
import { privateRoomsOf } from '../private-rooms/index.js';

export class ChatService implements NodeService {
  readonly payloadKinds: readonly PayloadKind<ChatPayload>[];

  constructor(private readonly ctx: NodeContext) {
    this.payloadKinds = [
      {
        kind: 'chat',
        schema: PAYLOAD_SCHEMAS.chat,
        ownToo: true, // our own, coming back by sync after a lost database, are kept again
        deliver: (payload, signed, via) => this.deliver(payload, signed, via),
      },
    ];
  }

  send(room: string, text: string, action: boolean): ChatMessage {
    // A room joined by passphrase is sealed under its key and named by its opaque id (PROTOCOL.md §19).
    const sealed = privateRoomsOf(this.ctx.self);
    if (sealed?.holds(room)) return sealed.send(room, text, action);
    if (sealed?.keys.isLocked(room))
      throw new UsageError(
        'NOT_IN_ROOM',
        `#${room} is a private room whose key is missing: /join #${room} --key`,
      );
    const { self, identity, clock, router, writer, ids } = this.ctx;
    if (!self.inRoom(room))
      throw new UsageError(
        'NOT_IN_ROOM',
        `not in room ${room}: join it first (konnect join ${room}, or /join ${room} in the chat)`,
      );
    const now = clock.now();
    const payload: ChatPayload = {
      kind: 'chat',
      id: ids.next(now),
      from: identity.id,
      ts: now,
      room,
      nick: self.nick,
      text,
      action: action || undefined,
    };
    const signed = router.originate(payload);
    return writer.storeOwn(payload, signed, { room, peer: null, text, action, nick: self.nick });
  }

  private deliver(payload: ChatPayload, signed: SignedMessage, via: Via): boolean {
    // An opaque id is a private room's: its messages are sealed-chat, never plain chat.
    if (isPrivateRoomId(payload.room) || !this.ctx.self.inRoom(payload.room)) return false;
    return this.ctx.writer.storeReceived(
      signed,
      {
        scope: `room:${payload.room}`,
        room: payload.room,
        peer: null,
        payload,
        nick: payload.nick,
        text: payload.text,
        action: payload.action ?? false,
      },
      via,
    );
  }
}
