/** The overlay choice: bounded degree, full mesh when small, and always a connected graph. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desiredPeers, linkWanted } from '../../src/daemon/index.js';

const hexId = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));

function graph(ids: string[], degree: number): Map<string, Set<string>> {
  const g = new Map(ids.map((id) => [id, new Set<string>()]));
  for (const a of ids) {
    for (const b of desiredPeers(a, ids, { degree })) {
      g.get(a)!.add(b);
      g.get(b)!.add(a);
    }
  }
  return g;
}

function diameter(g: Map<string, Set<string>>): number {
  let worst = 0;
  for (const start of g.keys()) {
    const dist = new Map([[start, 0]]);
    const queue = [start];
    while (queue.length) {
      const at = queue.shift()!;
      for (const next of g.get(at)!) {
        if (!dist.has(next)) {
          dist.set(next, dist.get(at)! + 1);
          queue.push(next);
        }
      }
    }
    if (dist.size !== g.size) return Infinity;
    worst = Math.max(worst, ...dist.values());
  }
  return worst;
}

describe('overlay', () => {
  it('is a full mesh while everyone fits in the degree', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    expect([...desiredPeers('c', ids, { degree: 6 })].sort()).toEqual(['a', 'b', 'd', 'e']);
    expect(desiredPeers('c', ['c'], { degree: 6 }).size).toBe(0);
  });

  it('never wants itself and wants at most `degree` peers', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(hexId, { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 2, max: 10 }),
        (ids, degree) => {
          for (const id of ids) {
            const want = desiredPeers(id, ids, { degree });
            expect(want.has(id)).toBe(false);
            expect(want.size).toBeLessThanOrEqual(degree);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps every graph connected with a small diameter', () => {
    fc.assert(
      fc.property(fc.uniqueArray(hexId, { minLength: 2, maxLength: 100 }), (ids) => {
        const d = diameter(graph(ids, 6));
        expect(d).toBeLessThanOrEqual(Math.ceil(Math.log2(ids.length)) + 2);
      }),
      { numRuns: 40 },
    );
  });

  it('both ends agree whether a link is wanted', () => {
    fc.assert(
      fc.property(fc.uniqueArray(hexId, { minLength: 2, maxLength: 60 }), (ids) => {
        for (const a of ids.slice(0, 5))
          for (const b of ids.slice(0, 5)) {
            if (a !== b) expect(linkWanted(a, b, ids)).toBe(linkWanted(b, a, ids));
          }
      }),
      { numRuns: 30 },
    );
  });

  it('judges a link the same whether or not the known list holds the judging node itself', () => {
    // A node's peer table does not hold the node: a link only the other end wants must still count.
    fc.assert(
      fc.property(fc.uniqueArray(hexId, { minLength: 9, maxLength: 60 }), (ids) => {
        for (const a of ids.slice(0, 4)) {
          const others = ids.filter((id) => id !== a);
          for (const b of others) {
            expect(linkWanted(a, b, others)).toBe(desiredPeers(a, ids).has(b) || desiredPeers(b, ids).has(a));
          }
        }
      }),
      { numRuns: 30 },
    );
  });
});
