/**
 * Direct messages for this node's pages while they are closed. A page is a leaf: it links to the node
 * that served it and to no other, and only the two ends of a direct conversation reconcile it
 * (PROTOCOL.md §12.1). A direct message flooded to a page whose tab was closed reached every node and
 * no page, and its sender's copy stayed "sent" for ever. The node a page linked to keeps the direct
 * messages flooded to it while it has no link (sealed: the node cannot read them), and sends them on
 * the page's next link, before anything else; the page stores them, and its receipts tick the
 * senders' copies. Bounded (per page, pages, age) and in memory: a node restarted meanwhile loses
 * them, and a page that moves to another node gets them when it links here again.
 */
import type { NodeIdHex } from '../../wire/index.js';
import type { SignedMessage } from '../flood/index.js';

/** Direct messages kept for one page, and their bytes (~1,000 of 200 bytes, 16 of the longest); the oldest go first. */
export const MAILBOX_MAX_PER_PAGE = 256;
export const MAILBOX_MAX_BYTES_PER_PAGE = 256 * 1024;
/** Pages this node keeps messages for (at most 8 MiB in all); the page linked longest ago goes first. */
export const MAILBOX_MAX_PAGES = 32;
/** A message older than this is not kept (the sender's copy still says "sent"). */
export const MAILBOX_MAX_AGE_MS = 7 * 24 * 3600_000;

interface Held {
  signed: SignedMessage;
  at: number;
  bytes: number;
}

export class LeafMailbox {
  /** Pages that linked here since the node started, in the order they last linked; their mail. */
  private readonly pages = new Map<NodeIdHex, Held[]>();
  /** Pages linked now. */
  private readonly linked = new Set<NodeIdHex>();

  /** A page linked: its mail, oldest first, to send on that link (the box is emptied). */
  pageUp(page: NodeIdHex): SignedMessage[] {
    const held = this.pages.get(page) ?? [];
    this.pages.delete(page);
    this.pages.set(page, []);
    this.linked.add(page);
    while (this.pages.size > MAILBOX_MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
    return held.map((h) => h.signed);
  }

  pageDown(page: NodeIdHex): void {
    this.linked.delete(page);
  }

  /** A direct message to `to` went by: kept when `to` is a page of this node that has no link now. */
  offer(to: NodeIdHex, signed: SignedMessage, now: number): boolean {
    const box = this.pages.get(to);
    if (!box || this.linked.has(to)) return false;
    // Copied: a received message's fields point into the socket's read buffer, which this would pin.
    const bytes = signed.id.length + signed.payload.length + signed.sig.length;
    box.push({
      signed: {
        id: Uint8Array.from(signed.id),
        payload: Uint8Array.from(signed.payload),
        sig: Uint8Array.from(signed.sig),
      },
      at: now,
      bytes,
    });
    let held = box.reduce((sum, h) => sum + h.bytes, 0);
    while (
      box.length > 0 &&
      (box.length > MAILBOX_MAX_PER_PAGE ||
        held > MAILBOX_MAX_BYTES_PER_PAGE ||
        now - box[0].at > MAILBOX_MAX_AGE_MS)
    )
      held -= box.shift()!.bytes;
    return true;
  }

  /** Messages held for `page` (tests, figures). */
  held(page: NodeIdHex): number {
    return this.pages.get(page)?.length ?? 0;
  }
}
