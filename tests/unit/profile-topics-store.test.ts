/**
 * The files that keep who a node is and the room topics: profile.json written whole (0600, no
 * temporary left behind, garbage read as defaults), topics.json holding verifiable signed frames (an
 * edited frame is refused), last writer wins by (ts, id), bounded rooms, and writes batched.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateIdentity, ProfileStore, RoomTopics, silentLogger } from '../../src/daemon/index.js';
import { MAX_TOPICS, TOPICS_SAVE_DELAY_MS, topicFromFrame } from '../../src/daemon/rooms/room-topics.js';
import { parseProfile } from '../../src/daemon/profile-store.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import { encodePayload, newMessageId, toHex, type TopicPayload } from '../../src/wire/index.js';
import { ManualClock } from '../helpers/manual-clock.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'konnect-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const identity = generateIdentity();

function signedTopic(room: string, topic: string, ts: number) {
  const payload: TopicPayload = {
    kind: 'topic',
    id: newMessageId(ts),
    from: identity.id,
    ts,
    room,
    nick: 'setter',
    topic,
  };
  const bytes = encodePayload(payload);
  const frame = { id: payload.id, payload: bytes, sig: nodeCrypto.sign(bytes, identity.signingKey) };
  return { frame, topic: topicFromFrame(frame)!, id: toHex(payload.id) };
}

describe('ProfileStore', () => {
  it('writes the profile whole with mode 0600 and reads it back', () => {
    const dir = tempDir();
    const store = new ProfileStore(join(dir, 'profile.json'), silentLogger);
    expect(store.load()).toEqual({});
    store.save({ nick: 'zed', rooms: ['lobby', 'dev'], directs: ['a'.repeat(64)] });
    expect(statSync(join(dir, 'profile.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['profile.json']); // no temporary file left
    expect(new ProfileStore(join(dir, 'profile.json'), silentLogger).load()).toEqual({
      nick: 'zed',
      rooms: ['lobby', 'dev'],
      directs: ['a'.repeat(64)],
    });
  });

  it('reads a file that is not JSON, or holds bad fields, as the valid part of it', () => {
    const dir = tempDir();
    const file = join(dir, 'profile.json');
    writeFileSync(file, '{"nick": "ok", "rooms": [');
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => warnings.push(m) };
    expect(new ProfileStore(file, logger).load()).toEqual({});
    expect(warnings[0]).toMatch(/is not valid JSON; starting without it/);
    expect(
      parseProfile({
        nick: 'has space',
        rooms: ['Upper', 'fine', 'fine', 3],
        directs: ['00', 'f'.repeat(64)],
      }),
    ).toEqual({ rooms: ['fine'], directs: ['f'.repeat(64)] });
    expect(parseProfile(null)).toEqual({});
  });
});

describe('RoomTopics', () => {
  it('keeps the latest topic per room, by time and then by id', () => {
    const clock = new ManualClock();
    const topics = new RoomTopics(join(tempDir(), 'topics.json'), silentLogger, clock);
    const first = signedTopic('lobby', 'first', 1000);
    const later = signedTopic('lobby', 'later', 2000);
    expect(topics.offer(later.topic, later.id, later.frame)).toBe(true);
    expect(topics.offer(first.topic, first.id, first.frame)).toBe(false);
    expect(topics.get('lobby')?.topic).toBe('later');
    // Same time: the greater id wins, whichever arrives first, so every node ends on the same one.
    const a = signedTopic('dev', 'a', 5000);
    const b = signedTopic('dev', 'b', 5000);
    const [low, high] = a.id < b.id ? [a, b] : [b, a];
    topics.offer(high.topic, high.id, high.frame);
    expect(topics.offer(low.topic, low.id, low.frame)).toBe(false);
    expect(topics.get('dev')?.topic).toBe(high.topic.topic);
  });

  it('writes a burst of topics once, and reads back only frames whose signature holds', () => {
    const clock = new ManualClock();
    const file = join(tempDir(), 'topics.json');
    const topics = new RoomTopics(file, silentLogger, clock);
    for (let i = 0; i < 50; i++) {
      const t = signedTopic('lobby', `topic ${i}`, 1000 + i);
      topics.offer(t.topic, t.id, t.frame);
    }
    const other = signedTopic('dev', 'dev topic', 3000);
    topics.offer(other.topic, other.id, other.frame);
    expect(existsSync(file)).toBe(false);
    clock.advance(TOPICS_SAVE_DELAY_MS);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { payload: string }[];
    expect(saved).toHaveLength(2);

    // An edited frame (topic bytes changed, signature kept) is refused on reading.
    const tampered = Buffer.from(saved[0].payload, 'base64');
    const at = tampered.indexOf(Buffer.from('topic 49'));
    expect(at).toBeGreaterThan(0);
    tampered.write('TOPIC 49', at);
    saved[0].payload = tampered.toString('base64');
    writeFileSync(file, JSON.stringify(saved));
    const reread = new RoomTopics(file, silentLogger, clock);
    reread.load();
    expect(reread.get('lobby')).toBeUndefined();
    expect(reread.get('dev')?.topic).toBe('dev topic');
  });

  it(`keeps at most ${MAX_TOPICS} rooms, forgetting the oldest topic`, () => {
    const topics = new RoomTopics(join(tempDir(), 'topics.json'), silentLogger, new ManualClock());
    for (let i = 0; i <= MAX_TOPICS; i++) {
      const t = signedTopic(`room-${i}`, 'x', 10_000 + i);
      topics.offer(t.topic, t.id, t.frame);
    }
    expect(topics.list()).toHaveLength(MAX_TOPICS);
    expect(topics.get('room-0')).toBeUndefined();
    expect(topics.get(`room-${MAX_TOPICS}`)).toBeDefined();
    topics.flush();
  });
});
