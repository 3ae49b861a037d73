/**
 * A node that crashes comes back into a mesh wired by --peer: the others keep redialling their static
 * peers for as long as they run, and a restarted node redials the peers it knew from its data
 * directory (peers.json), even when started without --peer.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';

let mesh: TestMesh | undefined;
afterEach(async () => {
  await mesh?.destroy();
  mesh = undefined;
});

const linked = (m: TestMesh, a: number, b: number) =>
  m.nodes[a].node.running && m.nodes[a].node.links.linkTo(m.nodes[b].node.identity.idHex) !== undefined;

describe('rejoining a --peer mesh', () => {
  it(
    'the others redial a crashed static peer however often it failed, and it is back on both sides',
    { timeout: 300_000 },
    async () => {
      // Node 0 is the hub: 1 and 2 are given it as --peer, and learn of each other through it.
      mesh = await TestMesh.start(3, { peersOf: (i) => (i > 0 ? [0] : []) });
      await mesh.waitConnected();
      const hub = mesh.nodes[0];
      const port = hub.node.status().port;
      await hub.node.stop({ graceful: false });
      // Past three failed dials a peer used to leave the eligible set and its static target was skipped.
      for (const i of [1, 2]) {
        await waitFor(
          () =>
            mesh!.nodes[i].node.links
              .staticStatus()
              .some((t) => t.failures >= 4 && t.lastError === 'refused'),
          `node ${i} to fail four dials of the crashed hub`,
          { timeoutMs: 60_000, intervalMs: 50 },
        );
      }
      // The hub comes back with the same flags but without its peer list, so only the others' redialling
      // can bring it back (the persisted list is tested below).
      rmSync(join(hub.dataDir, 'peers.json'), { force: true });
      await mesh.add({ port }, [], 0);
      for (const i of [1, 2]) {
        await waitFor(
          () => linked(mesh!, 0, i) && linked(mesh!, i, 0),
          `the restarted hub and node ${i} to be linked again`,
          { timeoutMs: 60_000, intervalMs: 50 },
        );
      }
    },
  );

  it(
    'a node restarted without --peer redials the peers it knew, from a 0600 peers.json',
    { timeout: 120_000 },
    async () => {
      mesh = await TestMesh.start(2);
      await mesh.waitConnected();
      const first = mesh.nodes[0].node.identity.idHex;
      const file = join(mesh.nodes[1].dataDir, 'peers.json');
      await mesh.stopNode(1);
      expect(existsSync(file), 'peers.json written at stop').toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const stored = JSON.parse(readFileSync(file, 'utf8')) as { peers: { id: string; nick: string }[] };
      expect(stored.peers).toEqual([expect.objectContaining({ id: first, nick: 'n0' })]);
      expect(existsSync(join(mesh.nodes[1].dataDir, `peers.json.tmp-${process.pid}`))).toBe(false);

      await mesh.add({}, [], 1); // no --peer this time
      await waitFor(
        () => linked(mesh!, 1, 0) && linked(mesh!, 0, 1),
        'the restarted node and node 0 to be linked',
        {
          timeoutMs: 60_000,
          intervalMs: 50,
        },
      );
      const known = mesh.nodes[1].node.peerTable.get(first)!;
      expect(known.nick).toBe('n0');
      expect(known.foundBy).toContain('static');
    },
  );
});
