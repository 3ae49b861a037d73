/**
 * The page derives private-room keys with noble's asynchronous scrypt (so the page is not frozen): the
 * bytes must be exactly those of the wire's deriveRoomKey/roomNameTag, or a page and a node with one
 * passphrase would be in two different rooms.
 */
import { describe, expect, it } from 'vitest';
import { nobleCrypto } from '../../src/crypto-noble/index.js';
import { deriveRoomKey, roomNameTag, toHex } from '../../src/wire/index.js';
import { deriveRoomKeyInPage, roomNameTagInPage } from '../../src/web/peer/page-room-keys.js';

describe('page room keys', () => {
  it('derives the same key and name tag as the wire code', async () => {
    const name = 'ops';
    const passphrase = 'correct horse battery staple';
    expect(toHex(await deriveRoomKeyInPage(name, passphrase))).toBe(
      toHex(deriveRoomKey(nobleCrypto, name, passphrase)),
    );
    expect(await roomNameTagInPage(name)).toBe(roomNameTag(nobleCrypto, name));
  });

  it('refuses an empty passphrase', async () => {
    await expect(deriveRoomKeyInPage('ops', '')).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });
});
