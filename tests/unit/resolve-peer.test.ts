/** Naming a peer: by nick, fingerprint or id prefix; several matches are an error that lists them. */
import { describe, expect, it } from 'vitest';
import { type PeerInfo, resolvePeerQuery } from '../../src/daemon/index.js';

const peer = (id: string, nick: string, fingerprint: string): PeerInfo => ({
  id: id.padEnd(64, '0'),
  nick,
  fingerprint,
  addresses: [],
  linked: false,
  online: true,
  foundBy: [],
  rttMs: null,
  lastSeen: null,
  rooms: [],
  lastError: null,
});

const peers = [
  peer('aa11', 'alice', 'aaaa-bbbb'),
  peer('bb22a', 'bob', 'cccc-dddd'),
  peer('bb22b', 'Bob', 'eeee-ffff'),
];

describe('resolvePeerQuery', () => {
  it('finds by nick (case-insensitive), fingerprint, id prefix and full id', () => {
    expect(resolvePeerQuery(peers, 'ALICE').nick).toBe('alice');
    expect(resolvePeerQuery(peers, '@alice').nick).toBe('alice');
    expect(resolvePeerQuery(peers, 'eeee-ffff').nick).toBe('Bob');
    expect(resolvePeerQuery(peers, 'eeeeff').nick).toBe('Bob');
    expect(resolvePeerQuery(peers, 'bb22a').nick).toBe('bob');
    expect(resolvePeerQuery(peers, peers[2].id).fingerprint).toBe('eeee-ffff');
  });

  it('refuses an unknown name and lists the candidates of an ambiguous one', () => {
    expect(() => resolvePeerQuery(peers, 'carol')).toThrowError(
      expect.objectContaining({ code: 'UNKNOWN_PEER' }),
    );
    expect(() => resolvePeerQuery(peers, '')).toThrowError(expect.objectContaining({ code: 'UNKNOWN_PEER' }));
    expect(() => resolvePeerQuery(peers, 'bob')).toThrowError(/bob \(cccc-dddd\), Bob \(eeee-ffff\)/);
    expect(() => resolvePeerQuery(peers, 'bb22')).toThrowError(
      expect.objectContaining({ code: 'AMBIGUOUS_PEER' }),
    );
    expect(() => resolvePeerQuery(peers, 'bb')).toThrowError(
      expect.objectContaining({ code: 'UNKNOWN_PEER' }),
    );
  });
});
