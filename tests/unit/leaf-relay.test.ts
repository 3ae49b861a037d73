/**
 * The node's relay of file messages for roots it does not know, between a browser page (a leaf) and
 * its mesh links (src/daemon/files/leaf-relay.ts): a page's want goes to mesh links only, a holder's
 * answer back to the page, a chunk only to the link that asked for it, nothing for a root the node
 * knows, and at most MAX_RELAYED_PER_LINK roots carried on for one link at once.
 */
import { describe, expect, it } from 'vitest';
import { LeafFileRelay, MAX_RELAYED_PER_LINK } from '../../src/daemon/files/index.js';
import type { Link } from '../../src/daemon/links/index.js';
import type { LinkMessage } from '../../src/wire/index.js';

function fakeLink(name: string, leaf: boolean) {
  const sent: LinkMessage[] = [];
  const link = { label: name, leaf, state: 'up', send: (m: LinkMessage) => (sent.push(m), true) };
  return { link: link as unknown as Link, sent };
}

const root = (n: number) => new Uint8Array(32).fill(n);

describe('the file relay for leaves', () => {
  it('carries a page fetch one hop to the holder and the answers back only to who asked', () => {
    const page = fakeLink('page', true);
    const other = fakeLink('other page', true);
    const holder = fakeLink('holder', false);
    const relay = new LeafFileRelay(
      () => false,
      () => [page.link, other.link, holder.link],
      () => 0,
    );

    expect(
      relay.have(page.link, { kind: 'file-have', root: root(1), bits: new Uint8Array(1), want: true }),
    ).toBe(true);
    expect(holder.sent.map((m) => m.kind)).toEqual(['file-have']);
    expect(other.sent).toEqual([]); // leaf to leaf is not carried

    relay.have(holder.link, { kind: 'file-have', root: root(1), bits: new Uint8Array([0xe0]) });
    expect(page.sent.at(-1)).toMatchObject({ kind: 'file-have', bits: new Uint8Array([0xe0]) });

    relay.want(page.link, { kind: 'file-want', root: root(1), chunks: [0, 2] });
    expect(holder.sent.at(-1)).toMatchObject({ kind: 'file-want', chunks: [0, 2] });
    const data = new Uint8Array(10);
    relay.chunk(holder.link, { kind: 'file-chunk', root: root(1), index: 2, data });
    relay.chunk(holder.link, { kind: 'file-chunk', root: root(1), index: 1, data }); // not asked
    relay.chunk(holder.link, { kind: 'file-chunk', root: root(1), index: 2, data }); // asked once
    expect(
      page.sent.filter((m) => m.kind === 'file-chunk').map((m) => (m as { index: number }).index),
    ).toEqual([2]);
    expect(other.sent).toEqual([]);
  });

  it('leaves a root the node knows to its own fetcher and server', () => {
    const page = fakeLink('page', true);
    const holder = fakeLink('holder', false);
    const relay = new LeafFileRelay(
      () => true,
      () => [page.link, holder.link],
      () => 0,
    );
    expect(
      relay.have(page.link, { kind: 'file-have', root: root(1), bits: new Uint8Array(0), want: true }),
    ).toBe(false);
    expect(relay.want(page.link, { kind: 'file-want', root: root(1), chunks: [0] })).toBe(false);
    expect(holder.sent).toEqual([]);
  });

  it(`carries at most ${MAX_RELAYED_PER_LINK} roots for one link at once`, () => {
    const page = fakeLink('page', true);
    const mesh = fakeLink('mesh', false);
    let now = 0;
    const relay = new LeafFileRelay(
      () => false,
      () => [page.link, mesh.link],
      () => now,
    );
    for (let i = 0; i <= MAX_RELAYED_PER_LINK; i++)
      relay.have(page.link, { kind: 'file-have', root: root(i), bits: new Uint8Array(0), want: true });
    expect(mesh.sent).toHaveLength(MAX_RELAYED_PER_LINK);
    now = 120_000; // a while later the old ones are done with
    relay.have(page.link, { kind: 'file-have', root: root(200), bits: new Uint8Array(0), want: true });
    expect(mesh.sent).toHaveLength(MAX_RELAYED_PER_LINK + 1);
  });
});
