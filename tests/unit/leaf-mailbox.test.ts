/** LeafMailbox: which ids are this node's pages, what it keeps for whom, and its bounds. */
import { describe, expect, it } from 'vitest';
import {
  LeafMailbox,
  MAILBOX_MAX_AGE_MS,
  MAILBOX_MAX_BYTES_PER_PAGE,
  MAILBOX_MAX_PAGES,
  MAILBOX_MAX_PER_PAGE,
} from '../../src/daemon/direct/leaf-mailbox.js';

const id = (i: number) => i.toString(16).padStart(64, '0');
const signed = (n: number) => ({
  id: Uint8Array.of(n & 255, n >> 8),
  payload: Uint8Array.of(n & 255),
  sig: new Uint8Array(64),
});

describe('LeafMailbox', () => {
  it('knows the pages that linked here, and which of them are closed', () => {
    const box = new LeafMailbox();
    expect(box.isPage(id(1))).toBe(false);
    box.linkUp(id(1), true);
    box.linkUp(id(2), false); // a node
    expect([box.isPage(id(1)), box.isClosedPage(id(1)), box.isPage(id(2))]).toEqual([true, false, false]);
    box.pageDown(id(1));
    expect(box.isClosedPage(id(1))).toBe(true);
    box.linkUp(id(1), true);
    expect(box.isClosedPage(id(1))).toBe(false);
  });

  it('hands a recipient its mail once, oldest first, on its next link, a page or a node', () => {
    const box = new LeafMailbox();
    box.hold(id(1), signed(3), 0);
    box.hold(id(1), signed(4), 1);
    box.hold(id(2), signed(5), 1);
    expect(box.linkUp(id(1), true).map((s) => s.id[0])).toEqual([3, 4]);
    expect(box.linkUp(id(1), true)).toEqual([]);
    expect(box.linkUp(id(2), false).map((s) => s.id[0])).toEqual([5]);
  });

  it('forgets a message once its recipient confirmed it (its receipt went by)', () => {
    const box = new LeafMailbox();
    box.hold(id(1), signed(3), 0);
    box.hold(id(1), signed(4), 0);
    box.drop(id(1), signed(3).id);
    box.drop(id(2), signed(4).id); // another recipient's receipt: nothing
    expect(box.linkUp(id(1), false).map((s) => s.id[0])).toEqual([4]);
  });

  it('keeps a copy, not the socket buffer a message was read from', () => {
    const box = new LeafMailbox();
    const read = signed(7);
    box.hold(id(1), read, 0);
    read.payload[0] = 99;
    expect(box.linkUp(id(1), true)[0].payload[0]).toBe(7);
  });

  it('drops the oldest past its bounds: count, bytes and age per recipient, and recipients', () => {
    const box = new LeafMailbox();
    for (let i = 0; i < MAILBOX_MAX_PER_PAGE + 5; i++) box.hold(id(1), signed(i), 0);
    expect(box.held(id(1))).toBe(MAILBOX_MAX_PER_PAGE);
    box.hold(id(1), signed(1000), MAILBOX_MAX_AGE_MS + 1);
    expect(box.held(id(1))).toBe(1);
    const big = { id: new Uint8Array(16), payload: new Uint8Array(16_000), sig: new Uint8Array(64) };
    for (let i = 0; i < 40; i++) box.hold(id(1), big, MAILBOX_MAX_AGE_MS + 1);
    expect(box.held(id(1))).toBe(Math.floor(MAILBOX_MAX_BYTES_PER_PAGE / (16 + 16_000 + 64)));

    for (let i = 2; i <= MAILBOX_MAX_PAGES + 1; i++) box.hold(id(i), signed(i), 0);
    // id(1)'s box was made first: it goes with its mail.
    expect(box.held(id(1))).toBe(0);
    expect(box.held(id(2))).toBe(1);
  });
});
