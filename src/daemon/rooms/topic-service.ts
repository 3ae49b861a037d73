/** Room topics (`topic` payloads): setting one, taking the latest, and telling a new neighbour at once. */
import { FUTURE_SKEW_MS, PAYLOAD_SCHEMAS, type TopicPayload, toHex, UsageError } from '../../wire/index.js';
import type { SignedMessage } from '../flood/index.js';
import type { Link } from '../links/index.js';
import type { NodeContext, NodeService, PayloadKind } from '../services/index.js';
import { newTopicPayload, type RoomTopics, topicOf } from './room-topics.js';

export class TopicService implements NodeService {
  readonly payloadKinds: readonly PayloadKind<TopicPayload>[];

  constructor(
    private readonly ctx: NodeContext,
    readonly topics: RoomTopics,
  ) {
    this.payloadKinds = [
      {
        kind: 'topic',
        schema: PAYLOAD_SCHEMAS.topic,
        deliver: (payload, signed) => {
          // A topic dated in the future would hold its room until that day: refused, like a far clock.
          if (payload.ts > this.ctx.clock.now() + FUTURE_SKEW_MS) return false;
          this.take(payload, signed);
          return true;
        },
      },
    ];
  }

  /** Floods a topic for a room we are in; the latest set (by time) wins on every node. */
  set(room: string, topic: string): void {
    const { self, identity, clock, router, ids } = this.ctx;
    if (!self.inRoom(room))
      throw new UsageError('NOT_IN_ROOM', `not in room ${room}; join it first to set its topic`);
    const now = clock.now();
    const payload = newTopicPayload(ids.next(now), identity.id, now, room, self.nick, topic);
    this.take(payload, router.originate(payload));
  }

  linkUp(link: Link): void {
    for (const frame of this.topics.frames()) this.ctx.router.sendTo(link, frame);
  }

  close(): void {
    this.topics.flush();
  }

  private take(payload: TopicPayload, signed: SignedMessage): void {
    const topic = topicOf(payload);
    if (this.topics.offer(topic, toHex(signed.id), signed)) this.ctx.emit({ type: 'topic', topic });
  }
}
