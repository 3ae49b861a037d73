/**
 * History that is never lost: a node that was away catches up; two halves of a split mesh that both
 * kept writing end with identical histories once healed; random splits, heals, crashes and writes
 * always converge; a peer that lies in sync gets nothing stored.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { generateIdentity } from '../../src/daemon/index.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import { encodePayload, newMessageId } from '../../src/wire/index.js';
import { type MeshNode, TestMesh } from '../helpers/mesh.js';
import { rogueLink } from '../helpers/rogue-link.js';
import { waitFor } from '../helpers/wait.js';

let mesh: TestMesh | undefined;
afterEach(async () => {
  await mesh?.destroy();
  mesh = undefined;
});

const fast = { store: { synchronous: 'NORMAL' as const } };

/** All ids of a room in (ts, id) order, paging back through the store. */
function roomIds(m: MeshNode, room = 'lobby'): string[] {
  const out: string[] = [];
  let before: { ts: number; id: string } | undefined;
  for (;;) {
    const page = m.node.history({ room, limit: 5000, before });
    out.unshift(...page.map((p) => p.id));
    if (page.length < 5000) return out;
    before = { ts: page[0].ts, id: page[0].id };
  }
}

function split(m: TestMesh, left: number[], right: number[]): void {
  for (const a of left)
    for (const b of right) {
      m.nodes[a].node.links.block(m.nodes[b].node.identity.idHex);
      m.nodes[b].node.links.block(m.nodes[a].node.identity.idHex);
    }
}

function healAll(m: TestMesh): void {
  for (const a of m.nodes)
    for (const b of m.nodes) if (a !== b && a.node.running) a.node.links.unblock(b.node.identity.idHex);
}

async function converged(m: TestMesh, what: string, timeoutMs = 40_000): Promise<string[]> {
  const live = m.nodes.filter((n) => n.node.running);
  return waitFor(
    () => {
      const orders = live.map((n) => roomIds(n).join(','));
      return orders.every((o) => o === orders[0]) ? roomIds(live[0]) : null;
    },
    what,
    { timeoutMs, intervalMs: 100 },
  );
}

describe('history sync', () => {
  it('a node offline while 10,000 messages are written catches up fully when it returns', async () => {
    mesh = await TestMesh.start(2, { nodeOptions: () => fast });
    await mesh.waitConnected();
    const [a] = mesh.nodes;
    const bDir = mesh.nodes[1].dataDir;
    await mesh.stopNode(1);
    const written = new Set<string>();
    for (let k = 0; k < 10_000; k++)
      written.add(a.node.send({ kind: 'room', room: 'lobby' }, `message ${k} `.padEnd(200, '.')).id);
    const b = await mesh.add({ ...fast, dataDir: bDir }, [a.address], 1);
    await waitFor(
      () => b.node.store.count('room:lobby') >= 10_000,
      'the returning node to hold 10,000 messages',
      { timeoutMs: 60_000 },
    );
    const ids = roomIds(b);
    expect(ids.length).toBe(10_000);
    expect(new Set(ids)).toEqual(written);
    expect(ids).toEqual(roomIds(a));
    // The UI learns of it as a catch-up, with the count, not as 10,000 live messages.
    const sync = await waitFor(
      () => b.events.find((e) => e.type === 'sync' && e.count > 0),
      'a sync event at the returning node',
    );
    expect(sync).toMatchObject({ type: 'sync', nick: 'n0', scope: 'room:lobby', count: 10_000 });
    expect(b.received.filter((r) => r.via === 'sync').length).toBe(10_000);
  }, 120_000);

  it('two halves that both write while split end with identical histories once healed', async () => {
    mesh = await TestMesh.start(6, { nodeOptions: () => fast });
    await mesh.waitConnected();
    const left = [0, 1, 2];
    const right = [3, 4, 5];
    split(mesh, left, right);
    await waitFor(
      () =>
        left.every((i) =>
          right.every((j) => !mesh!.nodes[i].node.links.linkTo(mesh!.nodes[j].node.identity.idHex)),
        ),
      'no link to cross the split',
    );
    const sent: Record<'left' | 'right', string[]> = { left: [], right: [] };
    for (let k = 0; k < 30; k++) {
      sent.left.push(mesh.nodes[left[k % 3]].node.send({ kind: 'room', room: 'lobby' }, `left ${k}`).id);
      sent.right.push(mesh.nodes[right[k % 3]].node.send({ kind: 'room', room: 'lobby' }, `right ${k}`).id);
    }
    // Each half gets its own writes, and (being split) none of the other's.
    for (const i of left)
      await waitFor(
        () => sent.left.every((id) => mesh!.nodes[i].node.store.has(id)),
        `left writes at node ${i}`,
      );
    for (const j of right)
      await waitFor(
        () => sent.right.every((id) => mesh!.nodes[j].node.store.has(id)),
        `right writes at node ${j}`,
      );
    expect(sent.right.some((id) => mesh!.nodes[0].node.store.has(id))).toBe(false);

    healAll(mesh);
    const order = await converged(mesh, 'all six nodes to hold the same history in the same order');
    expect(new Set(order)).toEqual(new Set([...sent.left, ...sent.right]));
  }, 90_000);

  it('random splits, heals, crashes and writes always converge', async () => {
    type Op =
      | { op: 'write'; node: number; count: number }
      | { op: 'split'; mask: number }
      | { op: 'heal' }
      | { op: 'crash'; node: number }
      | { op: 'restart'; node: number };
    const N = 4;
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      {
        arbitrary: fc.record({
          op: fc.constant('write' as const),
          node: fc.nat(N - 1),
          count: fc.integer({ min: 1, max: 5 }),
        }),
        weight: 4,
      },
      {
        arbitrary: fc.record({
          op: fc.constant('split' as const),
          mask: fc.integer({ min: 1, max: 2 ** N - 2 }),
        }),
        weight: 1,
      },
      { arbitrary: fc.constant({ op: 'heal' as const }), weight: 1 },
      { arbitrary: fc.record({ op: fc.constant('crash' as const), node: fc.nat(N - 1) }), weight: 1 },
      { arbitrary: fc.record({ op: fc.constant('restart' as const), node: fc.nat(N - 1) }), weight: 1 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: 12 }), async (ops) => {
        const m = await TestMesh.start(N, { peersOf: (i) => (i > 0 ? [0] : []), nodeOptions: () => fast });
        try {
          await m.waitConnected();
          const addresses = m.nodes.map((n) => n.address);
          const written: string[] = [];
          let blocked: [number[], number[]] | null = null;
          for (const op of ops) {
            const target = 'node' in op ? m.nodes[op.node] : undefined;
            if (op.op === 'write' && target!.node.running) {
              for (let k = 0; k < op.count; k++)
                written.push(target!.node.send({ kind: 'room', room: 'lobby' }, `w${written.length}`).id);
            } else if (op.op === 'split') {
              healAll(m);
              const left = [...Array(N).keys()].filter((i) => op.mask & (1 << i));
              const right = [...Array(N).keys()].filter((i) => !(op.mask & (1 << i)));
              split(m, left, right);
              blocked = [left, right];
            } else if (op.op === 'heal') {
              healAll(m);
              blocked = null;
            } else if (op.op === 'crash' && target!.node.running) {
              await target!.node.stop({ graceful: false });
            } else if (op.op === 'restart' && !target!.node.running) {
              const fresh = await m.add(
                { ...fast, dataDir: target!.dataDir },
                addresses.filter((_, i) => i !== op.node),
                op.node,
              );
              if (blocked) {
                const [l, r] = blocked;
                const other = l.includes(op.node) ? r : l;
                for (const o of other) {
                  fresh.node.links.block(m.nodes[o].node.identity.idHex);
                  if (m.nodes[o].node.running) m.nodes[o].node.links.block(fresh.node.identity.idHex);
                }
              }
            }
          }
          for (let i = 0; i < N; i++) {
            if (!m.nodes[i].node.running)
              await m.add(
                { ...fast, dataDir: m.nodes[i].dataDir },
                addresses.filter((_, j) => j !== i),
                i,
              );
          }
          healAll(m);
          const order = await converged(m, `convergence after ${JSON.stringify(ops)}`);
          expect(new Set(order)).toEqual(new Set(written));
        } finally {
          await m.destroy();
        }
      }),
      { numRuns: 6, endOnFailure: true },
    );
  }, 300_000);

  it('a peer that lies in sync gets none of its forged or altered messages stored', async () => {
    mesh = await TestMesh.start(2, { nodeOptions: () => fast });
    await mesh.waitConnected();
    const victim = mesh.nodes[1].node.identity;
    const target = mesh.nodes[0];
    const rogue = generateIdentity();
    const link = await rogueLink(target.address, { identity: rogue, nick: 'liar' });
    try {
      const ts = Date.now() - 60_000;
      const chat = (from: Uint8Array, text: string) => {
        const id = newMessageId(ts);
        return {
          id,
          payload: encodePayload({ kind: 'chat', id, from, ts, room: 'lobby', nick: 'n1', text }),
        };
      };
      const forged = chat(victim.id, 'forged in sync');
      const real = chat(victim.id, 'genuine words');
      const realSig = nodeCrypto.sign(real.payload, victim.signingKey);
      const altered = Buffer.from(real.payload);
      altered[altered.length - 2] ^= 0x20;
      const honest = chat(rogue.id, 'an honest message from the liar');
      link.send({
        kind: 'sync-msgs',
        scope: 'room:lobby',
        msgs: [
          { id: forged.id, payload: forged.payload, sig: nodeCrypto.sign(forged.payload, rogue.signingKey) },
          { id: real.id, payload: altered, sig: realSig },
          { id: honest.id, payload: honest.payload, sig: nodeCrypto.sign(honest.payload, rogue.signingKey) },
        ],
      });
      // The one valid message is stored: the path works, so what is missing was refused.
      await waitFor(
        () =>
          target.node.history({ room: 'lobby' }).some((h) => h.text === 'an honest message from the liar'),
        'the valid synced message',
      );
      const texts = target.node.history({ room: 'lobby' }).map((h) => h.text);
      expect(texts).not.toContain('forged in sync');
      expect(texts).not.toContain('genuine words');
      expect(target.node.router.stats.rejected).toBeGreaterThanOrEqual(2);
    } finally {
      link.destroy();
    }
  });

  it('a peer that asks for the whole history again and again gets it once', async () => {
    mesh = await TestMesh.start(1, { nodeOptions: () => fast });
    const target = mesh.nodes[0];
    for (let k = 0; k < 600; k++) target.node.send({ kind: 'room', room: 'lobby' }, `history ${k}`);
    const link = await rogueLink(target.address, { nick: 'greedy' });
    let pushed = 0;
    let dones = 0;
    link.on('message', (m) => {
      if (m.kind === 'sync-msgs') pushed += m.msgs.length;
      if (m.kind === 'sync-done' && m.scope === 'room:lobby') dones++;
    });
    try {
      // "I hold nothing": each digest of the whole range with count 0 asks for everything.
      const everything = { from: 0, to: Number.MAX_SAFE_INTEGER, count: 0, hash: new Uint8Array(16) };
      for (let k = 0; k < 30; k++) {
        link.send({ kind: 'sync-digest', scope: 'room:lobby', ranges: [everything] });
        link.send({ kind: 'sync-done', scope: 'room:lobby' });
      }
      await waitFor(() => dones >= 30, 'an answer to each of the 30 requests');
      expect(pushed).toBe(600);
      expect(link.state).toBe('up');
    } finally {
      link.destroy();
    }
  });
});
