/**
 * Room topics: the latest signed `topic` payload per room (last writer wins by (ts, id)), kept in
 * `topics.json` in the data directory with the signed frame itself, so the topic survives a restart
 * and is handed, verbatim and still verifiable, to every new link: a late joiner learns it from its
 * first neighbour. Topics of rooms this node is not in are kept too (bounded), so it can pass them on
 * and `/list` can show them.
 */
import { decodePayload, MAX_TOPIC_CHARS, type TopicPayload, toHex, UsageError } from '../../wire/index.js';
import { verifyRaw } from '../../crypto-node/index.js';
import type { RoomTopic } from '../chat-api.js';
import type { SignedMessage } from '../flood/index.js';
import type { Clock, Timer } from '../../clock/clock.js';
import type { Logger } from '../logger.js';
import { readJsonFile, writePrivateFileAtomic } from '../profile-store.js';

/** Rooms whose topic is kept; past it the oldest topic is forgotten. */
export const MAX_TOPICS = 256;
/**
 * Topics taken within this long are written in one go: a member setting topics in a loop must not
 * cost a file write and an fsync each. A crash loses at most this much, and a neighbour re-sends it.
 */
export const TOPICS_SAVE_DELAY_MS = 1000;

interface Held {
  topic: RoomTopic;
  id: string;
  frame: SignedMessage;
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const unb64 = (s: unknown): Buffer | null => (typeof s === 'string' ? Buffer.from(s, 'base64') : null);

/** The payload of a topic this node sets, after checking what the person typed. */
export function newTopicPayload(
  id: Uint8Array,
  from: Uint8Array,
  now: number,
  room: string,
  nick: string,
  topic: string,
): TopicPayload {
  if ([...topic].length > MAX_TOPIC_CHARS)
    throw new UsageError('INVALID_ARGUMENT', `a topic is at most ${MAX_TOPIC_CHARS} characters`);
  return { kind: 'topic', id, from, ts: now, room, nick, topic };
}

/** What a topic payload shows. */
export function topicOf(payload: TopicPayload): RoomTopic {
  return {
    room: payload.room,
    topic: payload.topic,
    from: toHex(payload.from),
    nick: payload.nick,
    ts: payload.ts,
  };
}

/** A saved frame read back: its topic when it decodes and its origin's signature holds, else null. */
export function topicFromFrame(frame: SignedMessage): RoomTopic | null {
  const payload = decodePayload(frame.payload);
  if (payload?.kind !== 'topic' || !Buffer.from(payload.id).equals(Buffer.from(frame.id))) return null;
  return verifyRaw(frame.payload, frame.sig, payload.from) ? topicOf(payload) : null;
}

export class RoomTopics {
  private readonly byRoom = new Map<string, Held>();
  private saveTimer: Timer | null = null;

  constructor(
    private readonly file: string,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /**
   * Reads the saved frames; each is checked again by `verify` (signature and schema), so an edited
   * file cannot plant a topic nobody set.
   */
  load(verify: (frame: SignedMessage) => RoomTopic | null = topicFromFrame): void {
    const value = readJsonFile(this.file, this.logger, 'topics');
    if (!Array.isArray(value)) return;
    for (const item of value as { id?: unknown; payload?: unknown; sig?: unknown }[]) {
      const id = unb64(item?.id);
      const payload = unb64(item?.payload);
      const sig = unb64(item?.sig);
      if (!id || !payload || !sig) continue;
      const frame = { id, payload, sig };
      let topic: RoomTopic | null = null;
      try {
        topic = verify(frame);
      } catch {
        topic = null;
      }
      if (topic) this.offer(topic, toHex(id), frame, false);
    }
  }

  /** Takes a topic if it is newer than the one held for its room; true when it was taken. */
  offer(topic: RoomTopic, id: string, frame: SignedMessage, save = true): boolean {
    const held = this.byRoom.get(topic.room);
    if (held && (held.topic.ts > topic.ts || (held.topic.ts === topic.ts && held.id >= id))) return false;
    this.byRoom.delete(topic.room);
    // Copied: decoded fields point into the socket's read buffer, which this would otherwise pin.
    this.byRoom.set(topic.room, {
      topic,
      id,
      frame: { id: Buffer.from(frame.id), payload: Buffer.from(frame.payload), sig: Buffer.from(frame.sig) },
    });
    while (this.byRoom.size > MAX_TOPICS) {
      const oldest = [...this.byRoom.entries()].sort((a, b) => a[1].topic.ts - b[1].topic.ts)[0];
      this.byRoom.delete(oldest[0]);
    }
    if (save && !this.saveTimer) {
      this.saveTimer = this.clock.setTimeout(() => this.flush(), TOPICS_SAVE_DELAY_MS);
      this.saveTimer.unref?.();
    }
    return true;
  }

  get(room: string): RoomTopic | undefined {
    return this.byRoom.get(room)?.topic;
  }

  list(): RoomTopic[] {
    return [...this.byRoom.values()].map((h) => h.topic).sort((a, b) => a.room.localeCompare(b.room));
  }

  /** The signed frames, for a new link. */
  frames(): SignedMessage[] {
    return [...this.byRoom.values()].map((h) => h.frame);
  }

  /** Writes a pending change now (the node calls it when it stops). */
  flush(): void {
    if (!this.saveTimer) return;
    this.clock.clearTimeout(this.saveTimer);
    this.saveTimer = null;
    const out = [...this.byRoom.values()].map((h) => ({
      id: b64(h.frame.id),
      payload: b64(h.frame.payload),
      sig: b64(h.frame.sig),
    }));
    try {
      writePrivateFileAtomic(this.file, JSON.stringify(out) + '\n');
    } catch (err) {
      this.logger.warn(`could not save room topics to ${this.file}: ${(err as Error).message}`);
    }
  }
}
