/**
 * `konnect history` with no node running tells a stranger from the owner of a nick as the node would:
 * the peers the stopped node knew (peers.json) and its own nick (profile.json) say who goes by a nick,
 * so a stranger's line printed alone still carries its fingerprint.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args.js';
import { runOfflineHistory } from '../../src/cli/offline-history.js';
import { dataFiles, loadOrCreateIdentity } from '../../src/daemon/index.js';
import { HistoryStore, type StoredMessage } from '../../src/daemon/history/index.js';
import { fingerprint, fromHex, messageIdToString, newMessageId } from '../../src/wire/index.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';

const BOB = 'b'.repeat(64);
const STRANGER = 'c'.repeat(64);
const T0 = Date.UTC(2026, 0, 1);

function message(i: number, from: string, nick: string, text: string, room = 'lobby'): StoredMessage {
  const ts = T0 + i * 1000;
  return {
    id: messageIdToString(newMessageId(ts)),
    scope: `room:${room}`,
    room,
    peer: null,
    from,
    nick,
    ts,
    text,
    action: false,
    own: false,
    status: null,
    via: 'live',
    future: false,
    receivedAt: ts,
    payload: new Uint8Array(16),
    sig: new Uint8Array(64),
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'konnect-offline-names-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function offlineLines(): Promise<string[]> {
  const lines: string[] = [];
  await runOfflineHistory(dir, parseCommandLine(['history', '--data-dir', dir]), (l) => lines.push(l));
  return lines;
}

describe('offline history names', () => {
  it('a stranger under a known peer’s nick, or under this node’s own nick, is printed with its fingerprint', async () => {
    const files = dataFiles(dir);
    const store = HistoryStore.open(files.history, { synchronous: 'NORMAL' });
    store.insertMany([message(1, STRANGER, 'bob', 'trust me'), message(2, STRANGER, 'me', 'it is me')]);
    store.close();
    loadOrCreateIdentity(files.identity);
    const peer = {
      id: BOB,
      nick: 'bob',
      nickSigned: true,
      xkey: null,
      addresses: ['127.0.0.1:7420'],
      foundBy: ['static'],
      lastSeen: T0,
    };
    writeFileSync(files.peers, JSON.stringify({ version: 1, peers: [peer] }));
    writeFileSync(files.profile, JSON.stringify({ nick: 'me' }));
    const fp = fingerprint(nodeCrypto, fromHex(STRANGER));
    const lines = await offlineLines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`<bob ${fp}> trust me$`));
    expect(lines[1]).toMatch(new RegExp(`<me ${fp}> it is me$`));
  });

  it('without --room, the first room of the stopped node (profile.json) is shown, as a running node does', async () => {
    const files = dataFiles(dir);
    const store = HistoryStore.open(files.history, { synchronous: 'NORMAL' });
    store.insertMany([message(1, BOB, 'bob', 'in lobby'), message(2, BOB, 'bob', 'in dev', 'dev')]);
    store.close();
    writeFileSync(files.profile, JSON.stringify({ nick: 'me', rooms: ['dev'] }));
    const lines = await offlineLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/#dev <bob> in dev$/);
  });
});
