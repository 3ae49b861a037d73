/** The peer table trusts what a peer proved over what others say about it, and stays bounded. */
import { describe, expect, it } from 'vitest';
import { MAX_PEERS, PeerTable } from '../../src/daemon/index.js';

const id = (n: number) => n.toString(16).padStart(64, '0');
const self = id(0);

describe('PeerTable', () => {
  it('a hint names a new peer but never renames one whose nick it proved', () => {
    const t = new PeerTable(self);
    t.upsert(id(1), { nick: 'guess', foundBy: 'exchange' });
    expect(t.get(id(1))!.nick).toBe('guess');
    t.upsert(id(1), { nick: 'alice', signed: true, foundBy: 'presence' });
    t.upsert(id(1), { nick: 'mallory', foundBy: 'exchange' });
    t.upsert(id(1), { nick: 'mallory', foundBy: 'mdns' });
    expect(t.get(id(1))!.nick).toBe('alice');
    t.upsert(id(1), { nick: 'alice2', signed: true });
    expect(t.get(id(1))!.nick).toBe('alice2');
  });

  it('keeps the confirmed address when hints overflow the list', () => {
    const t = new PeerTable(self);
    const entry = t.upsert(id(1), { address: '10.0.0.1:7420', signed: true })!;
    t.confirmAddress(entry, '10.0.0.1:7420');
    t.upsert(id(1), {
      addresses: Array.from({ length: 20 }, (_, k) => `10.9.9.${k}:1`),
      foundBy: 'exchange',
    });
    expect(entry.addresses[0]).toBe('10.0.0.1:7420');
    expect(entry.addresses.length).toBe(8);
  });

  it('takes no addresses from hints for a peer it is linked to', () => {
    const t = new PeerTable(self);
    const entry = t.upsert(id(1), { address: '10.0.0.1:7420', signed: true })!;
    entry.link = {} as never;
    t.upsert(id(1), { addresses: ['6.6.6.6:1'], foundBy: 'exchange' });
    expect(entry.addresses).toEqual(['10.0.0.1:7420']);
  });

  it('is bounded: hints cannot push out peers that proved themselves', () => {
    const t = new PeerTable(self);
    t.upsert(id(1), { nick: 'alice', signed: true });
    for (let k = 2; k < MAX_PEERS * 3; k++) t.upsert(id(k), { nick: `sybil${k}`, foundBy: 'exchange' });
    expect(t.size).toBe(MAX_PEERS);
    expect(t.get(id(1))!.nick).toBe('alice');
    expect(t.upsert(self, { nick: 'me' })).toBeUndefined();
  });
});
