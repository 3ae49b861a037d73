/** LeafMailbox: what a node keeps for its closed pages, and its bounds. */
import { describe, expect, it } from 'vitest';
import {
  LeafMailbox,
  MAILBOX_MAX_AGE_MS,
  MAILBOX_MAX_BYTES_PER_PAGE,
  MAILBOX_MAX_PAGES,
  MAILBOX_MAX_PER_PAGE,
} from '../../src/daemon/direct/leaf-mailbox.js';

const page = (i: number) => i.toString(16).padStart(64, '0');
const signed = (n: number) => ({
  id: Uint8Array.of(n & 255, n >> 8),
  payload: Uint8Array.of(n & 255),
  sig: new Uint8Array(64),
});

describe('LeafMailbox', () => {
  it('keeps mail only for pages that linked here and are not linked now, and hands it over once', () => {
    const box = new LeafMailbox();
    expect(box.offer(page(1), signed(1), 0)).toBe(false); // never linked here: a node, or another's page
    expect(box.pageUp(page(1))).toEqual([]);
    expect(box.offer(page(1), signed(2), 0)).toBe(false); // linked now: the flood reaches it
    box.pageDown(page(1));
    expect(box.offer(page(1), signed(3), 0)).toBe(true);
    expect(box.offer(page(1), signed(4), 1)).toBe(true);
    expect(box.pageUp(page(1)).map((s) => s.id[0])).toEqual([3, 4]);
    box.pageDown(page(1));
    expect(box.pageUp(page(1))).toEqual([]);
  });

  it('keeps a copy, not the socket buffer a message was read from', () => {
    const box = new LeafMailbox();
    box.pageUp(page(1));
    box.pageDown(page(1));
    const read = signed(7);
    box.offer(page(1), read, 0);
    read.payload[0] = 99;
    expect(box.pageUp(page(1))[0].payload[0]).toBe(7);
  });

  it('drops the oldest past its bounds: per page, by age, and pages', () => {
    const box = new LeafMailbox();
    box.pageUp(page(1));
    box.pageDown(page(1));
    for (let i = 0; i < MAILBOX_MAX_PER_PAGE + 5; i++) box.offer(page(1), signed(i), 0);
    expect(box.held(page(1))).toBe(MAILBOX_MAX_PER_PAGE);
    box.offer(page(1), signed(1000), MAILBOX_MAX_AGE_MS + 1);
    expect(box.held(page(1))).toBe(1);
    const big = { id: new Uint8Array(16), payload: new Uint8Array(16_000), sig: new Uint8Array(64) };
    for (let i = 0; i < 40; i++) box.offer(page(1), big, MAILBOX_MAX_AGE_MS + 1);
    expect(box.held(page(1))).toBe(Math.floor(MAILBOX_MAX_BYTES_PER_PAGE / (16 + 16_000 + 64)));

    for (let i = 2; i <= MAILBOX_MAX_PAGES + 1; i++) box.pageUp(page(i));
    // page 1 linked longest ago: forgotten with its mail.
    expect(box.held(page(1))).toBe(0);
    expect(box.offer(page(1), signed(1), 0)).toBe(false);
  });
});
