/** StaticDiscovery (--peer): the discovery contract, and the parsing of HOST:PORT. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePeerAddress, StaticDiscovery, type SelfAdvertisement } from '../../src/discovery/index.js';
import { UsageError } from '../../src/wire/index.js';
import { discoveryComplianceSuite } from '../helpers/discovery-compliance.js';

const self: SelfAdvertisement = { id: 'ab'.repeat(32), nick: 'me', port: 7420, version: 1 };

/** StaticDiscovery defers only with setImmediate: two turns of the loop flush it. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

discoveryComplianceSuite('StaticDiscovery', () => ({
  discovery: new StaticDiscovery(['10.0.0.1:7420', 'peer.local:7421', '[fe80::1%eth0]:7422']),
  self,
  expected: 3,
  settle,
}));

describe('StaticDiscovery', () => {
  it('reports each --peer once with method static and no id', async () => {
    const discovery = new StaticDiscovery(['10.0.0.1:7420', '10.0.0.1:7420', 'peer.local:7421']);
    const found: string[] = [];
    discovery.on('candidate:found', (c) => {
      expect(c.method).toBe('static');
      expect(c.id).toBeUndefined();
      found.push(...c.addresses);
    });
    await discovery.start(self);
    // Not from inside start(): a listener attached right after start() resolves still gets them.
    expect(found).toEqual([]);
    await settle();
    expect(found).toEqual(['10.0.0.1:7420', 'peer.local:7421']);
    await discovery.stop();
  });

  it('throws UsageError on the first bad --peer', () => {
    expect(() => new StaticDiscovery(['10.0.0.1:7420', 'nope'])).toThrowError(
      new UsageError('USAGE', 'bad --peer "nope": expected HOST:PORT'),
    );
  });
});

describe('parsePeerAddress', () => {
  it.each([
    ['1.2.3.4:7420', '1.2.3.4', 7420, '1.2.3.4:7420'],
    ['host:1', 'host', 1, 'host:1'],
    ['my-host.local:65535', 'my-host.local', 65535, 'my-host.local:65535'],
    ['fully.qualified.example.:80', 'fully.qualified.example.', 80, 'fully.qualified.example.:80'],
    ['under_score:80', 'under_score', 80, 'under_score:80'],
    ['[::1]:7420', '::1', 7420, '[::1]:7420'],
    ['[fe80::1%eth0]:7420', 'fe80::1%eth0', 7420, '[fe80::1%eth0]:7420'],
    [' 10.0.0.1:80 ', '10.0.0.1', 80, '10.0.0.1:80'],
  ])('accepts %j', (text, host, port, address) => {
    expect(parsePeerAddress(text)).toEqual({ host, port, address });
  });

  it.each([
    '',
    'host',
    'host:',
    ':7420',
    'host:0',
    'host:65536',
    'host:123456',
    'host:abc',
    'host:+80',
    'host:-1',
    '1.2.3.4:7420x',
    '::1:7420',
    '[::1]',
    '[::1]:',
    '[zz::1]:80',
    '[1.2.3.4]:80',
    '[fe80::1%]:80',
    '999.1.1.1:80',
    '1.2.3:80',
    'ho st:80',
    '-host:80',
    'host-:80',
    'a..b:80',
    `${'a'.repeat(64)}:80`,
    'http://host:80',
    'host:80:80',
  ])('rejects %j with UsageError USAGE and the flag in the message', (text) => {
    let caught: unknown;
    try {
      parsePeerAddress(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).code).toBe('USAGE');
    expect((caught as UsageError).message).toBe(`bad --peer "${text}": expected HOST:PORT`);
  });

  it('round-trips every IPv4 address and port', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 1, max: 65535 }), (ip, port) => {
        expect(parsePeerAddress(`${ip}:${port}`)).toEqual({ host: ip, port, address: `${ip}:${port}` });
      }),
    );
  });

  it('round-trips every IPv6 address in brackets', () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.integer({ min: 1, max: 65535 }), (ip, port) => {
        expect(parsePeerAddress(`[${ip}]:${port}`).address).toBe(`[${ip}]:${port}`);
      }),
    );
  });

  it('throws nothing but UsageError on any input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          const parsed = parsePeerAddress(text);
          expect(parsed.port).toBeGreaterThanOrEqual(1);
          expect(parsed.port).toBeLessThanOrEqual(65535);
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
        }
      }),
    );
  });
});
