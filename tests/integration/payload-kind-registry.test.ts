/**
 * The payload kind registry, proven from outside the daemon: a toy `ping-room` kind, its schema and
 * its service all defined in this file, is handed to createNode as a component (TestMesh passes it
 * through). A ping sent on one end of a line of three nodes is delivered across it, stored in every
 * node's history and reaches a subscriber as a ChatEvent; a node without the kind relays it unread.
 */
import { afterEach, expect, it } from 'vitest';
import {
  type AnyPayload,
  newMessageId,
  nickCheck,
  object,
  PAYLOAD_BASE,
  roomCheck,
  text,
} from '../../src/wire/index.js';
import type { ChatMessage, NodeContext, NodeService, PayloadKind } from '../../src/daemon/index.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';

interface PingRoomPayload extends AnyPayload {
  kind: 'ping-room';
  room: string;
  nick: string;
  note: string;
}

/** A room-wide ping, shown as an action line (`* nick pings: note`) and kept in the room's history. */
class PingRoomService implements NodeService {
  readonly payloadKinds: readonly PayloadKind<PingRoomPayload>[];

  constructor(private readonly ctx: NodeContext) {
    this.payloadKinds = [
      {
        kind: 'ping-room',
        schema: object({ ...PAYLOAD_BASE, room: roomCheck, nick: nickCheck, note: text(100, { min: 0 }) }),
        deliver: (payload, signed, via) => {
          if (!this.ctx.self.inRoom(payload.room)) return false;
          return this.ctx.writer.storeReceived(signed, this.shown(payload), via);
        },
      },
    ];
  }

  ping(room: string, note: string): ChatMessage {
    const { clock, identity, self, router, writer } = this.ctx;
    const now = clock.now();
    const payload: PingRoomPayload = {
      kind: 'ping-room',
      id: newMessageId(now),
      from: identity.id,
      ts: now,
      room,
      nick: self.nick,
      note,
    };
    const signed = router.originate(payload);
    const m = this.shown(payload);
    return writer.storeOwn(payload, signed, { ...m, peer: null });
  }

  private shown(p: PingRoomPayload) {
    return {
      scope: `room:${p.room}`,
      room: p.room,
      peer: null,
      payload: p,
      nick: p.nick,
      text: `pings: ${p.note}`,
      action: true,
    };
  }
}

let mesh: TestMesh | undefined;
afterEach(async () => {
  await mesh?.destroy();
  mesh = undefined;
});

it('a payload kind registered by a test is delivered across the mesh, stored and shown', async () => {
  const pingers: PingRoomService[] = [];
  mesh = await TestMesh.start(3, {
    components: (i) => ({ services: [(ctx) => (pingers[i] = new PingRoomService(ctx))] }),
  });
  const [a, , c] = mesh.nodes;
  await waitFor(() => c.node.links.links().length > 0, 'the line of three to link up', { timeoutMs: 40_000 });
  await waitFor(() => a.node.links.links().length > 0, 'the first node to link', { timeoutMs: 40_000 });

  const sent = pingers[0].ping('lobby', 'anyone here?');
  expect(sent).toMatchObject({ room: 'lobby', text: 'pings: anyone here?', action: true, own: true });

  for (const entry of mesh.nodes.slice(1)) {
    const shown = await waitFor(
      () => entry.events.find((e) => e.type === 'message' && e.message.id === sent.id),
      `node ${entry.index} to show the ping`,
      { timeoutMs: 40_000 },
    );
    expect(shown).toMatchObject({
      type: 'message',
      message: { room: 'lobby', text: 'pings: anyone here?', action: true, own: false, nick: 'n0' },
    });
    const stored = entry.node.history({ room: 'lobby' });
    expect(stored.map((m) => m.id)).toContain(sent.id);
  }
  expect(a.node.history({ room: 'lobby' }).map((m) => m.id)).toContain(sent.id);
});

it('a node without the kind relays it unread, so nodes that know it still get it', async () => {
  const pingers: PingRoomService[] = [];
  // The middle of the line does not know `ping-room`.
  mesh = await TestMesh.start(3, {
    components: (i) => (i === 1 ? {} : { services: [(ctx) => (pingers[i] = new PingRoomService(ctx))] }),
  });
  const [a, b, c] = mesh.nodes;
  await waitFor(() => c.node.links.links().length > 0, 'the line of three to link up', { timeoutMs: 40_000 });
  await waitFor(() => a.node.links.links().length > 0, 'the first node to link', { timeoutMs: 40_000 });
  const sent = pingers[0].ping('lobby', 'through a relay');
  await waitFor(
    () => c.received.find((m) => m.id === sent.id),
    'the far node to get the ping through a node that does not read it',
    { timeoutMs: 40_000 },
  );
  expect(b.received.find((m) => m.id === sent.id)).toBeUndefined();
  expect(b.node.history({ room: 'lobby' }).map((m) => m.id)).not.toContain(sent.id);
});
