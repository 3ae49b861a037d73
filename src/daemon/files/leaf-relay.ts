/**
 * Files between a leaf (a browser page on this node's WebSocket) and the mesh when this node does not
 * know them (PROTOCOL.md §21.3). A direct file sealed to a page, or sent by one to another node, names
 * a root this node cannot open the offer of, so it never holds it; and a page has one link, to this
 * node. So for a root it does not know, this node carries the file messages one hop on between its
 * leaves and its mesh links: a `file-have` with `want` goes to the other side, the holders' answers
 * come back to whoever asked, a `file-want` goes to one link that said it holds the file, and the
 * chunk, leaves or none it brings go back only to the link that asked for them. Nothing is stored or
 * opened here: the chunks are sealed, and the asker checks them against its tree.
 */
import {
  type FileChunkMessage,
  type FileHaveMessage,
  type FileLeavesMessage,
  type FileNoneMessage,
  type FileWantMessage,
  toHex,
} from '../../wire/index.js';
import type { Link } from '../links/index.js';

/** Roots relayed at once; the oldest is forgotten past this (its fetchers ask again). */
export const MAX_RELAYED_FILES = 256;
/** Roots one link may fetch through the relay at once (active in the last minute): no more are carried on. */
export const MAX_RELAYED_PER_LINK = 32;
const ACTIVE_MS = 60_000;

interface Relayed {
  /** Links that said they fetch it, and links that said they hold some of it. */
  fetchers: Set<Link>;
  holders: Set<Link>;
  /** Who asked for each chunk, and for the leaves, so an answer goes only there. */
  chunks: Map<number, Link>;
  leaves: Link | null;
  /** When a message for it last passed. */
  touched: number;
}

export class LeafFileRelay {
  private readonly roots = new Map<string, Relayed>();

  constructor(
    /** Whether this node knows the file itself (then its own fetcher and server answer). */
    private readonly known: (root: string) => boolean,
    private readonly links: () => readonly Link[],
    private readonly now: () => number,
  ) {}

  /** True when the message was for the relay (the node itself does not know the root). */
  have(link: Link, m: FileHaveMessage): boolean {
    const root = toHex(m.root);
    if (this.known(root)) return false;
    let entry = this.roots.get(root);
    if (m.want) {
      const others = this.links().filter((l) => l !== link && l.leaf !== link.leaf && l.state === 'up');
      if (!entry && others.length === 0) return false;
      entry ??= this.add(root);
      entry.touched = this.now();
      if (!entry.fetchers.has(link) && this.relayedFor(link) < MAX_RELAYED_PER_LINK) {
        entry.fetchers.add(link);
        for (const other of others) other.send(m);
      }
    }
    if (!entry) return false;
    if (m.bits.some((b) => b !== 0)) {
      entry.holders.add(link);
      for (const fetcher of entry.fetchers)
        if (fetcher.leaf !== link.leaf) fetcher.send({ kind: 'file-have', root: m.root, bits: m.bits });
    }
    return true;
  }

  want(link: Link, m: FileWantMessage): boolean {
    const entry = this.roots.get(toHex(m.root));
    if (!entry || this.known(toHex(m.root))) return false;
    const holder = [...entry.holders].find((h) => h.leaf !== link.leaf && h.state === 'up');
    if (!holder) {
      link.send({
        kind: 'file-none',
        root: m.root,
        chunks: m.chunks,
        leaves: m.leaves !== undefined || undefined,
      });
      return true;
    }
    entry.touched = this.now();
    for (const index of m.chunks) entry.chunks.set(index, link);
    if (m.leaves !== undefined) entry.leaves = link;
    holder.send(m);
    return true;
  }

  chunk(link: Link, m: FileChunkMessage): boolean {
    const entry = this.roots.get(toHex(m.root));
    if (!entry || this.known(toHex(m.root))) return false;
    const asker = entry.chunks.get(m.index);
    if (asker && asker.leaf !== link.leaf) {
      entry.chunks.delete(m.index);
      asker.send(m);
    }
    return true;
  }

  leavesArrived(link: Link, m: FileLeavesMessage): boolean {
    const entry = this.roots.get(toHex(m.root));
    if (!entry || this.known(toHex(m.root))) return false;
    if (entry.leaves && entry.leaves.leaf !== link.leaf) entry.leaves.send(m);
    entry.leaves = null;
    return true;
  }

  none(link: Link, m: FileNoneMessage): boolean {
    const entry = this.roots.get(toHex(m.root));
    if (!entry || this.known(toHex(m.root))) return false;
    const byAsker = new Map<Link, number[]>();
    for (const index of m.chunks) {
      const asker = entry.chunks.get(index);
      if (!asker || asker.leaf === link.leaf) continue;
      entry.chunks.delete(index);
      byAsker.set(asker, [...(byAsker.get(asker) ?? []), index]);
    }
    const leavesAsker = m.leaves && entry.leaves && entry.leaves.leaf !== link.leaf ? entry.leaves : null;
    if (leavesAsker) entry.leaves = null;
    for (const [asker, chunks] of byAsker)
      asker.send({ kind: 'file-none', root: m.root, chunks, leaves: asker === leavesAsker || undefined });
    if (leavesAsker && !byAsker.has(leavesAsker))
      leavesAsker.send({ kind: 'file-none', root: m.root, chunks: [], leaves: true });
    return true;
  }

  linkDown(link: Link): void {
    for (const entry of this.roots.values()) {
      entry.fetchers.delete(link);
      entry.holders.delete(link);
      for (const [index, asker] of entry.chunks) if (asker === link) entry.chunks.delete(index);
      if (entry.leaves === link) entry.leaves = null;
    }
  }

  private relayedFor(link: Link): number {
    let n = 0;
    const since = this.now() - ACTIVE_MS;
    for (const entry of this.roots.values()) if (entry.fetchers.has(link) && entry.touched > since) n++;
    return n;
  }

  private add(root: string): Relayed {
    if (this.roots.size >= MAX_RELAYED_FILES) this.roots.delete(this.roots.keys().next().value!);
    const entry: Relayed = {
      fetchers: new Set(),
      holders: new Set(),
      chunks: new Map(),
      leaves: null,
      touched: this.now(),
    };
    this.roots.set(root, entry);
    return entry;
  }
}
