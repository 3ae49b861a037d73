/**
 * Issue 15: one identity must not starve a node. A valid member floods signed messages at a node as
 * fast as TCP takes them; the node's honest links stay up, honest messages still cross it, and the
 * flooder's excess is counted. A node catching up a large history by sync keeps its links up too.
 * No timing is asserted: only that no honest link went down and that what must arrive arrived.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateIdentity, type ChatEvent, type Link } from '../../src/daemon/index.js';
import { TestMesh } from '../helpers/mesh.js';
import { flood, floodFrames } from '../helpers/flooder.js';
import { rogueLink } from '../helpers/rogue-link.js';
import { waitFor } from '../helpers/wait.js';
import { signedChats } from '../../bench/lib/chat.js';

let mesh: TestMesh | undefined;
let rogue: Link | undefined;
afterEach(async () => {
  rogue?.destroy('test over');
  rogue = undefined;
  await mesh?.destroy();
  mesh = undefined;
});

/** Links that went down between honest nodes, as "node i: nick reason". */
function honestDrops(m: TestMesh, flooderHex: string): string[] {
  const drops: string[] = [];
  for (const n of m.nodes) {
    for (const e of n.events as ChatEvent[]) {
      if (e.type === 'link:down' && e.peer !== flooderHex)
        drops.push(`node ${n.index}: ${e.nick} ${e.reason}`);
    }
  }
  return drops;
}

describe('flood limits', () => {
  it('a member flooding as fast as TCP takes it does not time out honest links, and its excess is counted', async () => {
    // Signed before the mesh starts: the test's own signing must not hold the loop the nodes share.
    const flooder = generateIdentity();
    const frames = floodFrames(flooder, 40_000);
    // n0 - n1 - n2 in a line: n1 is the victim, the only way between n0 and n2.
    mesh = await TestMesh.start(3);
    await mesh.waitConnected();
    const [n0, n1, n2] = mesh.nodes;
    rogue = await rogueLink(n1.address, { identity: flooder, nick: 'flooder' });
    let flooding = true;
    const written = flood(rogue, frames).finally(() => (flooding = false));

    // Honest chat across the victim while the flood lasts (and at least 20 lines).
    const sent: string[] = [];
    while (flooding || sent.length < 20) {
      sent.push(n0.node.send({ kind: 'room', room: 'lobby' }, `honest ${sent.length}`).id);
      await new Promise((r) => setTimeout(r, 50));
    }
    const wrote = await written;
    expect(wrote).toBeGreaterThan(1000);
    await waitFor(
      () => sent.every((id) => n2.received.some((r) => r.id === id)),
      `all ${sent.length} honest messages to cross the flooded node`,
      { timeoutMs: 60_000 },
    );
    expect(honestDrops(mesh, flooder.idHex)).toEqual([]);
    // What the flooder sent past its limits was deferred or dropped, and counted.
    const stats = n1.node.router.stats;
    expect(stats.limitedByLink + stats.limitedByOrigin).toBeGreaterThan(0);
  }, 120_000);

  it('a fresh node catching up a large history from three peers at once keeps its links up', async () => {
    const STORE = { maxMessagesPerScope: 1_000_000 };
    const count = 15_000;
    const history = signedChats(generateIdentity(), count, { startTs: Date.now() - count * 5, stepMs: 5 });
    mesh = await TestMesh.start(3, { nodeOptions: () => ({ store: STORE }) });
    await mesh.waitConnected();
    // Written in small steps, so that the test's own writing does not hold the event loop up.
    for (let first = 0; first < count; first += 500) {
      for (const m of mesh.nodes) m.node.store.insertMany(history.slice(first, first + 500));
      await new Promise((r) => setImmediate(r));
    }
    const fresh = await mesh.add(
      { store: STORE },
      mesh.nodes.map((m) => m.address),
    );
    await waitFor(() => fresh.node.store.count('room:lobby') >= count, `the fresh node to hold ${count}`, {
      timeoutMs: 90_000,
    });
    expect(honestDrops(mesh, '')).toEqual([]);
  }, 120_000);
});
