/**
 * A valid member flooding: signed chat messages of its own, pre-signed (so signing does not slow the
 * flood down), written to a link as fast as TCP takes them. Used by the flood-limit tests and the
 * hostile-flood benchmark.
 */
import { once } from 'node:events';
import type { Identity, Link } from '../../src/daemon/index.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import { encodeFloodFrame, encodePayload, DEFAULT_HOPS, newMessageId } from '../../src/wire/index.js';

/** `count` distinct flood frames of chat messages by `author` in `room`. */
export function floodFrames(author: Identity, count: number, room = 'lobby'): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const ts = Date.now();
  for (let i = 0; i < count; i++) {
    const id = newMessageId(ts + (i >> 10));
    const payload = encodePayload({
      kind: 'chat',
      id,
      from: author.id,
      ts: ts + (i >> 10),
      room,
      nick: 'flooder',
      text: `flood ${i} ${'x'.repeat(100)}`,
    });
    frames.push(encodeFloodFrame(id, DEFAULT_HOPS, payload, nodeCrypto.sign(payload, author.signingKey)));
  }
  return frames;
}

/** Keeps up to this many bytes in the link's queue: TCP, not a cap of ours, sets the pace. */
const IN_FLIGHT_BYTES = 1024 * 1024;

/**
 * Writes every frame as fast as the socket drains; resolves with how many were written (fewer when
 * the link closed first, or `stop()` returned true).
 */
export async function flood(
  link: Link,
  frames: Uint8Array[],
  stop: () => boolean = () => false,
): Promise<number> {
  let written = 0;
  for (const frame of frames) {
    if (link.state === 'closed' || stop()) break;
    if (link.queuedBytes > IN_FLIGHT_BYTES) {
      await Promise.race([once(link, 'drain'), once(link, 'closed')]);
      if ((link.state as Link['state']) === 'closed') break;
    }
    if (!link.sendFrame(frame)) break;
    written++;
  }
  return written;
}
