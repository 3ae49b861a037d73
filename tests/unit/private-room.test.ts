/**
 * Private rooms' derivation and sealing (PROTOCOL.md §19) against the test vectors printed there, for
 * both crypto providers: the node's (node:crypto scrypt, libsodium XChaCha20-Poly1305) and the noble one
 * a browser uses must derive the same room key, ids and boxes, or a page could not read a room.
 */
import { describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import { nobleCrypto } from '../../src/crypto-noble/index.js';
import {
  decodeDirectPlaintext,
  deriveRoomKey,
  encodeDirectPlaintext,
  isPrivateRoomId,
  openRoomMessage,
  roomSecrets,
  sealedChatAad,
  sealRoomMessage,
  SEALED_CHAT_SCHEMA,
} from '../../src/wire/index.js';
import { hex, toHexString } from '../helpers/crypto-conformance.js';

/** The vectors of PROTOCOL.md §19. */
const VECTORS = [
  {
    name: 'ops',
    passphrase: 'correct horse battery staple',
    roomKey: '0dc912328fcedf3252767c270c6b7607b07814504a20b4239b982807306b1aef',
    encKey: '6c0936bab38d4c3c2aec2af92847234f0f7b39ae328ea63c62493b14a865586d',
    tag: 'a359a892',
    check: 'd8613ccbbb39d7fd',
    id: '.a359a892d8613ccbbb39d7fd',
  },
  {
    name: 'café',
    passphrase: 'pässwörd',
    roomKey: '2fd4eff43617a052c4ff917d6496a8ffbdf50127aec03ee4f0d4d1bf2ecf5100',
    encKey: 'a4a7304f720d1bfd69f57afb2501c982e969b1f4088b491521d9b20bf5a543e2',
    tag: '9355bbc9',
    check: 'f71cc6adbce97f0f',
    id: '.9355bbc9f71cc6adbce97f0f',
  },
];
const MESSAGE_ID = hex('0190f0c1a2b37c3d8e9f0a1b2c3d4e5f');
const AUTHOR = new Uint8Array(32).fill(7);
const NONCE = Uint8Array.from({ length: 24 }, (_, i) => i);
const PLAINTEXT = 'de0002a46e69636ba5616c696365a474657874ab6465706c6f792061742035';
const BOX =
  '000102030405060708090a0b0c0d0e0f1011121314151617' +
  '1b026484d243c84639612d4025672869b08270ca0b4e4b52d0a4e0c9fa62395d501d6a2fecb97ef57f945bacf5f23b';

describe.each([nodeCrypto, nobleCrypto])('private rooms on $name', (crypto) => {
  it.each(VECTORS)(
    'derives the room key, keys and id of #$name',
    (v) => {
      const roomKey = deriveRoomKey(crypto, v.name, v.passphrase);
      expect(toHexString(roomKey)).toBe(v.roomKey);
      const secrets = roomSecrets(crypto, v.name, roomKey);
      expect(toHexString(secrets.encKey)).toBe(v.encKey);
      expect([secrets.tag, secrets.check, secrets.id]).toEqual([v.tag, v.check, v.id]);
      expect(isPrivateRoomId(secrets.id)).toBe(true);
    },
    60_000,
  );

  it('another passphrase keeps the name tag and changes the key check and id', () => {
    const other = roomSecrets(crypto, 'ops', deriveRoomKey(crypto, 'ops', 'wrong'), VECTORS[0].tag);
    expect(other.tag).toBe(VECTORS[0].tag);
    expect(other.check).not.toBe(VECTORS[0].check);
    expect(other.id).not.toBe(VECTORS[0].id);
  }, 60_000);

  it('seals the vector message to the vector box and opens it again', () => {
    const encKey = hex(VECTORS[0].encKey);
    const aad = sealedChatAad(MESSAGE_ID, AUTHOR, VECTORS[0].id);
    expect(toHexString(encodeDirectPlaintext({ nick: 'alice', text: 'deploy at 5' }))).toBe(PLAINTEXT);
    expect(toHexString(sealRoomMessage(crypto, encKey, aad, hex(PLAINTEXT), NONCE))).toBe(BOX);
    expect(decodeDirectPlaintext(openRoomMessage(crypto, encKey, aad, hex(BOX)))).toEqual({
      nick: 'alice',
      text: 'deploy at 5',
    });
  });

  it('refuses a box under another key, id, author, room, or with a flipped byte', () => {
    const encKey = hex(VECTORS[0].encKey);
    const aad = sealedChatAad(MESSAGE_ID, AUTHOR, VECTORS[0].id);
    const box = hex(BOX);
    const seal = (f: () => unknown) => expect(f).toThrow(expect.objectContaining({ code: 'SEAL_INVALID' }));
    seal(() => openRoomMessage(crypto, hex(VECTORS[1].encKey), aad, box));
    seal(() =>
      openRoomMessage(crypto, encKey, sealedChatAad(AUTHOR.subarray(0, 16), AUTHOR, VECTORS[0].id), box),
    );
    seal(() =>
      openRoomMessage(crypto, encKey, sealedChatAad(MESSAGE_ID, new Uint8Array(32), VECTORS[0].id), box),
    );
    seal(() => openRoomMessage(crypto, encKey, sealedChatAad(MESSAGE_ID, AUTHOR, VECTORS[1].id), box));
    for (const at of [0, 30, box.length - 1]) {
      const bad = Uint8Array.from(box);
      bad[at] ^= 1;
      seal(() => openRoomMessage(crypto, encKey, aad, bad));
    }
    seal(() => openRoomMessage(crypto, encKey, aad, box.subarray(0, 39)));
  });
});

describe('the sealed-chat schema', () => {
  const valid = { id: MESSAGE_ID, from: AUTHOR, ts: 1, room: VECTORS[0].id, box: hex(BOX) };
  it('takes a valid payload and refuses a plain room name, a short box or a missing field', () => {
    expect(() => SEALED_CHAT_SCHEMA(valid, 'p')).not.toThrow();
    expect(() => SEALED_CHAT_SCHEMA({ ...valid, room: 'ops' }, 'p')).toThrow();
    expect(() => SEALED_CHAT_SCHEMA({ ...valid, room: '.A359A892D8613CCBBB39D7FD' }, 'p')).toThrow();
    expect(() => SEALED_CHAT_SCHEMA({ ...valid, box: new Uint8Array(40) }, 'p')).toThrow();
    expect(() => SEALED_CHAT_SCHEMA({ ...valid, box: undefined }, 'p')).toThrow();
  });
});
