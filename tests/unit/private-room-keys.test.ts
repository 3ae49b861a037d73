/**
 * The node's side of private-room keys (PROTOCOL.md §19): the asynchronous scrypt gives the vector
 * bytes of the wire's derivation; room-keys.json keeps keys (never a passphrase) with mode 0600, current
 * key first, older keys after, and skips a damaged entry; the `--room-key-file` reader and the doctor's
 * lines.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import { checkRoom, deriveRoomKeyAsync, roomNameTagAsync, silentLogger } from '../../src/daemon/index.js';
import { RoomKeys } from '../../src/daemon/private-rooms/index.js';
import { readRoomKeyFiles } from '../../src/cli/room-key-files.js';
import { privateRoomLines } from '../../src/cli/doctor-private-rooms.js';
import { roomSecrets, toHex } from '../../src/wire/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'konnect-roomkeys-'));
  dirs.push(d);
  return d;
};

// The first vector of PROTOCOL.md §19 (also in tests/unit/private-room.test.ts).
const VECTOR = {
  name: 'ops',
  passphrase: 'correct horse battery staple',
  roomKey: '0dc912328fcedf3252767c270c6b7607b07814504a20b4239b982807306b1aef',
  tag: 'a359a892',
  id: '.a359a892d8613ccbbb39d7fd',
};

describe('asynchronous derivation', () => {
  it('gives the vector room key, name tag and id', async () => {
    const key = await deriveRoomKeyAsync(VECTOR.name, VECTOR.passphrase);
    expect(toHex(key)).toBe(VECTOR.roomKey);
    const tag = await roomNameTagAsync(VECTOR.name);
    expect(tag).toBe(VECTOR.tag);
    expect(roomSecrets(nodeCrypto, VECTOR.name, key, tag).id).toBe(VECTOR.id);
  }, 60_000);

  it('refuses an empty passphrase', async () => {
    await expect(deriveRoomKeyAsync('ops', '')).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });
});

describe('room-keys.json', () => {
  const key = (byte: number) => new Uint8Array(32).fill(byte);
  it('keeps the current key first and older ones after, mode 0600, and reads them back', () => {
    const file = join(tempDir(), 'room-keys.json');
    const keys = new RoomKeys(file, nodeCrypto, silentLogger);
    keys.put(roomSecrets(nodeCrypto, 'ops', key(1), VECTOR.tag));
    keys.put(roomSecrets(nodeCrypto, 'ops', key(2), VECTOR.tag));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = new RoomKeys(file, nodeCrypto, silentLogger);
    again.load();
    expect(again.get('ops')!.map((s) => toHex(s.roomKey))).toEqual([toHex(key(2)), toHex(key(1))]);
    expect(again.get('ops')![0].id.startsWith(`.${VECTOR.tag}`)).toBe(true);
  });

  it('skips a damaged entry and keeps the others', () => {
    const file = join(tempDir(), 'room-keys.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        rooms: { bad: { tag: 'zz', keys: ['00'] }, ops: { tag: VECTOR.tag, keys: [toHex(key(3))] } },
      }),
    );
    const keys = new RoomKeys(file, nodeCrypto, silentLogger);
    keys.load();
    expect(keys.names()).toEqual(['ops']);
  });
});

describe('--room-key-file', () => {
  it('reads the first line for the one --room, or ROOM=FILE among several', () => {
    const d = tempDir();
    writeFileSync(join(d, 'k'), 'pass phrase one\nignored\n');
    expect(readRoomKeyFiles([join(d, 'k')], ['#Ops'])).toEqual(new Map([['ops', 'pass phrase one']]));
    expect(readRoomKeyFiles([`dev=${join(d, 'k')}`], ['ops', 'dev'])).toEqual(
      new Map([['dev', 'pass phrase one']]),
    );
    expect(() => readRoomKeyFiles([join(d, 'k')], ['ops', 'dev'])).toThrow(/ROOM=FILE/);
    writeFileSync(join(d, 'empty'), '\n');
    expect(() => readRoomKeyFiles([join(d, 'empty')], ['ops'])).toThrow(/empty/);
    expect(readFileSync(join(d, 'k'), 'utf8')).toContain('pass phrase one');
  });
});

describe("doctor's private rooms", () => {
  it('names the rooms joined and counts those seen by opaque id only', () => {
    expect(privateRoomLines([])).toEqual([]);
    expect(
      privateRoomLines([
        { room: 'ops', ids: [VECTOR.id, '.a359a89200112233aabbccdd'], joined: true, undecryptable: 2 },
        { room: null, ids: ['.0011223344556677aabbccdd'], joined: false, undecryptable: 0 },
        { room: null, ids: ['.99887766aabbccddeeff0011'], joined: false, undecryptable: 0 },
      ]),
    ).toEqual([
      'private rooms:',
      `  #ops ${VECTOR.id}, 1 older keys kept; 2 messages did not open (a wrong key somewhere)`,
      '  2 private rooms you have not joined:',
      '    .0011223344556677aabbccdd',
      '    .99887766aabbccddeeff0011',
    ]);
  });
});

describe('plain room names', () => {
  it('never take the shape of an opaque id', () => {
    expect(() => checkRoom(VECTOR.id)).toThrow(/bad room/);
    expect(checkRoom('.a359a892')).toBe('.a359a892');
    expect(checkRoom('#Ops')).toBe('ops');
  });
});
