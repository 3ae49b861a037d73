/**
 * Direct messages that no flood can bring, kept by the node of a page (a leaf: it links to the node
 * that served it and to no other). Only the two ends of a direct conversation reconcile it (PROTOCOL.md
 * §11, §12.1), so two cases went undelivered for ever, their senders' copies "sent":
 *
 * - to a page whose tab is closed: the node keeps the direct floods addressed to a page that has
 *   linked to it, while that page has no link, and sends them on its next link;
 * - from a page to a peer that is away: the page sends it again when the peer is back, but through
 *   its node, which has seen that id and drops the copy; so the node keeps what its pages send until
 *   the recipient's receipt goes by (back to the page, through this node), and sends what it still
 *   holds on the recipient's next link to it (a recipient that has it drops the second copy). Kept
 *   whether or not the recipient seems linked: a link that died unnoticed takes what is written to it.
 *
 * The node cannot read them (sealed). Bounded (per recipient, recipients, age) and in memory: a node
 * restarted meanwhile loses them, and a recipient that never links to this node does not get them.
 */
import type { NodeIdHex } from '../../wire/index.js';
import type { SignedMessage } from '../flood/index.js';

/** Direct messages kept for one recipient, and their bytes (~1,000 of 200 bytes); the oldest go first. */
export const MAILBOX_MAX_PER_PAGE = 256;
export const MAILBOX_MAX_BYTES_PER_PAGE = 256 * 1024;
/** Recipients this node keeps messages for (at most 8 MiB in all); the one kept longest goes first. */
export const MAILBOX_MAX_PAGES = 32;
/** A message older than this is not kept (the sender's copy still says "sent"). */
export const MAILBOX_MAX_AGE_MS = 7 * 24 * 3600_000;
/** Pages remembered as this node's (ids of leaves that linked here), the one linked longest ago first. */
const MAX_PAGES_KNOWN = 1024;

interface Held {
  signed: SignedMessage;
  at: number;
  bytes: number;
}

export class LeafMailbox {
  /** Mail by recipient, in the order the boxes were made. */
  private readonly boxes = new Map<NodeIdHex, Held[]>();
  /** Pages that linked here since the node started. */
  private readonly pages = new Set<NodeIdHex>();
  /** Pages linked now. */
  private readonly linked = new Set<NodeIdHex>();

  /** A peer linked (a page, or a node): its mail, oldest first, to send on that link. */
  linkUp(peer: NodeIdHex, leaf: boolean): SignedMessage[] {
    if (leaf) {
      this.pages.delete(peer);
      this.pages.add(peer);
      this.linked.add(peer);
      if (this.pages.size > MAX_PAGES_KNOWN) this.pages.delete(this.pages.values().next().value!);
    }
    const held = this.boxes.get(peer) ?? [];
    this.boxes.delete(peer);
    return held.map((h) => h.signed);
  }

  pageDown(page: NodeIdHex): void {
    this.linked.delete(page);
  }

  /** Whether `id` is a page of this node (it linked here since the node started). */
  isPage(id: NodeIdHex): boolean {
    return this.pages.has(id);
  }

  /** Whether `id` is a page of this node with no link now: mail to it waits here. */
  isClosedPage(id: NodeIdHex): boolean {
    return this.pages.has(id) && !this.linked.has(id);
  }

  /** Keeps a direct message for `to` until its next link here. */
  hold(to: NodeIdHex, signed: SignedMessage, now: number): void {
    let box = this.boxes.get(to);
    if (!box) {
      box = [];
      this.boxes.set(to, box);
      while (this.boxes.size > MAILBOX_MAX_PAGES) this.boxes.delete(this.boxes.keys().next().value!);
    }
    // Copied: a received message's fields point into the socket's read buffer, which this would pin.
    const bytes = signed.id.length + signed.payload.length + signed.sig.length;
    const copy = {
      id: Uint8Array.from(signed.id),
      payload: Uint8Array.from(signed.payload),
      sig: Uint8Array.from(signed.sig),
    };
    box.push({ signed: copy, at: now, bytes });
    let held = box.reduce((sum, h) => sum + h.bytes, 0);
    while (
      box.length > 0 &&
      (box.length > MAILBOX_MAX_PER_PAGE ||
        held > MAILBOX_MAX_BYTES_PER_PAGE ||
        now - box[0].at > MAILBOX_MAX_AGE_MS)
    )
      held -= box.shift()!.bytes;
  }

  /** `to` confirmed it holds message `id` (its receipt went by): no need to send it again. */
  drop(to: NodeIdHex, id: Uint8Array): void {
    const box = this.boxes.get(to);
    const at = box?.findIndex(
      (h) => h.signed.id.length === id.length && h.signed.id.every((b, i) => b === id[i]),
    );
    if (box && at !== undefined && at >= 0) box.splice(at, 1);
  }

  /** Messages held for `to` (tests, figures). */
  held(to: NodeIdHex): number {
    return this.boxes.get(to)?.length ?? 0;
  }
}
