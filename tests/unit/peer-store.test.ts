/** The peer table on disk: what is kept, that it is private and whole, and that a bad file never stops a node. */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateIdentity, createNode, type Logger, MAX_PEERS, PeerTable } from '../../src/daemon/index.js';
import { MAX_STORED_PEERS, PeerStore } from '../../src/daemon/links/peer-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'konnect-peerstore-'));
  dirs.push(d);
  return d;
}
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const none = () => undefined;
  return { warnings, debug: none, info: none, error: none, warn: (m: string) => warnings.push(m) };
}
const idOf = () => generateIdentity().idHex;

describe('PeerStore', () => {
  it('keeps proven peers (nick, keys, addresses, how found, last seen) and not bare hints, in a 0600 file', () => {
    const dir = tempDir();
    const file = join(dir, 'peers.json');
    const self = idOf();
    const table = new PeerTable(self);
    const alice = idOf();
    const hint = idOf();
    const a = table.upsert(alice, {
      nick: 'alice',
      address: '10.0.0.5:7420',
      signed: true,
      foundBy: 'static',
    })!;
    a.xkey = new Uint8Array(32).fill(7);
    a.lastSeen = 1234;
    table.upsert(hint, { nick: 'claimed', addresses: ['10.0.0.9:7420'], foundBy: 'exchange' });
    new PeerStore(file, recordingLogger(), () => 5000).save(table, true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['peers.json']);

    const restored = new PeerTable(self);
    expect(new PeerStore(file, recordingLogger()).load(restored)).toBe(1);
    expect(restored.get(hint)).toBeUndefined();
    const back = restored.get(alice)!;
    expect(back).toMatchObject({
      nick: 'alice',
      nickSigned: true,
      addresses: ['10.0.0.5:7420'],
      foundBy: ['static'],
      lastSeen: 1234,
      failures: 0,
      link: null,
    });
    expect(Buffer.from(back.xkey!).equals(Buffer.alloc(32, 7))).toBe(true);
    expect(restored.isOnline(back, 5000)).toBe(false);
    expect(restored.eligible(5000).map((p) => p.id)).toEqual([alice]);
    // A hint cannot rename a peer whose nick it proved before the restart.
    restored.upsert(alice, { nick: 'mallory', foundBy: 'exchange' });
    expect(back.nick).toBe('alice');
  });

  it('a corrupt file is moved aside with a warning and the table starts empty', () => {
    const dir = tempDir();
    const file = join(dir, 'peers.json');
    writeFileSync(file, '{"version":1,"peers":[{"id":');
    const logger = recordingLogger();
    const table = new PeerTable(idOf());
    expect(new PeerStore(file, logger, () => 42).load(table)).toBe(0);
    expect(table.size).toBe(0);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(
      /peer list .*peers\.json is unreadable .*moved to .*peers\.json\.corrupt-42/,
    );
    expect(existsSync(file)).toBe(false);
    expect(readFileSync(`${file}.corrupt-42`, 'utf8')).toBe('{"version":1,"peers":[{"id":');
  });

  it('skips records that do not check out and keeps the rest', () => {
    const dir = tempDir();
    const file = join(dir, 'peers.json');
    const good = idOf();
    const noisy = idOf();
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        peers: [
          { id: 'zz', addresses: ['10.0.0.1:7420'] },
          { id: idOf(), addresses: ['not an address'] },
          {
            id: noisy,
            nick: 'bad\u001b[31mnick',
            nickSigned: true,
            addresses: ['10.0.0.2:7420'],
            foundBy: ['x'],
          },
          {
            id: good,
            nick: 'bob',
            nickSigned: true,
            addresses: ['10.0.0.3:7420'],
            foundBy: ['mdns'],
            xkey: 'ab',
          },
          'junk',
        ],
      }),
    );
    const table = new PeerTable(idOf());
    expect(new PeerStore(file, recordingLogger()).load(table)).toBe(2);
    expect(table.get(noisy)).toMatchObject({ nick: 'unknown', nickSigned: false, foundBy: [] });
    expect(table.get(good)).toMatchObject({ nick: 'bob', foundBy: ['mdns'], xkey: null });
  });

  it('a node whose peer list is unreadable or corrupt warns and starts anyway', async () => {
    for (const spoil of [
      (file: string) => mkdirSync(file),
      (file: string) => writeFileSync(file, Buffer.from([0xff, 0x00, 0x13])),
    ]) {
      const dir = tempDir();
      spoil(join(dir, 'peers.json'));
      const logger = recordingLogger();
      const node = createNode({ dataDir: dir, host: '127.0.0.1', port: 0, nick: 'n' }, { logger });
      try {
        await node.start();
        expect(node.running).toBe(true);
        expect(logger.warnings.filter((w) => /peer list/.test(w))).toHaveLength(1);
      } finally {
        await node.stop();
      }
    }
  });
});

describe('PeerStore bounds', () => {
  it('keeps at most MAX_STORED_PEERS, the most recently seen, so restored peers leave room in the table', () => {
    const dir = tempDir();
    const file = join(dir, 'peers.json');
    const self = idOf();
    const table = new PeerTable(self);
    const ids: string[] = [];
    for (let k = 0; k < MAX_STORED_PEERS + 50; k++) {
      const id = idOf();
      ids.push(id);
      table.upsert(id, { nick: `p${k}`, address: `10.0.${k >> 8}.${k & 255}:7420`, signed: true })!.lastSeen =
        k;
    }
    new PeerStore(file, recordingLogger(), () => 10_000).save(table, true);
    const restored = new PeerTable(self);
    expect(new PeerStore(file, recordingLogger()).load(restored)).toBe(MAX_STORED_PEERS);
    expect(restored.get(ids[49])).toBeUndefined();
    expect(restored.get(ids[50])?.nick).toBe('p50');
    expect(MAX_STORED_PEERS).toBeLessThan(MAX_PEERS);
  });
});
