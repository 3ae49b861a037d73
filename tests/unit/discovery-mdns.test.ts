/**
 * MdnsDiscovery over a fake LAN (no sockets): the discovery contract, what is published, and the
 * behaviour added on top of bonjour-service (self filter, restart detection through the `run` token,
 * update without goodbye, expiry through re-queries, interface choice, error reporting). The fake
 * browser keeps services by name and stays silent on identical re-announcements, as bonjour-service's
 * does. Real multicast is tested in tests/netns/mdns-discovery.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type os from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  advertisedAddresses,
  buildTxt,
  markCacheFlush,
  defaultHostName,
  instanceName,
  listInterfaces,
  MAX_DNS_LABEL_BYTES,
  MAX_TXT_STRING_BYTES,
  MdnsDiscovery,
  parseService,
  probeMulticast,
  resolveInterface,
  type BonjourFactory,
  type BonjourLike,
  type BrowsedService,
  type BrowserLike,
  type Candidate,
  type MdnsDiscoveryInit,
  type MdnsQuery,
  type MdnsRecord,
  type MdnsSocketOptions,
  type PublishConfig,
  type SelfAdvertisement,
} from '../../src/discovery/index.js';
import { type Clock, systemClock } from '../../src/clock/index.js';
import { KonnectError, UsageError } from '../../src/wire/index.js';
import { discoveryComplianceSuite } from '../helpers/discovery-compliance.js';
import { waitFor } from '../helpers/wait.js';

const later = (fn: () => void) => setImmediate(fn);

/** The fake LAN delivers with setImmediate only: a few turns of the loop flush it. */
async function settle(): Promise<void> {
  for (let i = 0; i < 6; i++) await new Promise((resolve) => setImmediate(resolve));
}

interface FakeService {
  owner: FakeBonjour;
  config: PublishConfig;
}

class FakeLan {
  readonly services = new Map<string, FakeService>();
  readonly browsers = new Set<FakeBrowser>();

  announce(service: FakeService): void {
    this.services.set(service.config.name, service);
    later(() => this.browsers.forEach((b) => b.deliver(service)));
  }

  goodbye(owner: FakeBonjour): void {
    for (const [name, service] of this.services) {
      if (service.owner !== owner) continue;
      this.services.delete(name);
      later(() => this.browsers.forEach((b) => b.remove(name)));
    }
  }

  /** The owner stops answering without a goodbye (socket closed, process killed). */
  vanish(owner: FakeBonjour): void {
    for (const [name, service] of this.services) if (service.owner === owner) this.services.delete(name);
    for (const browser of owner.browsers) browser.stop();
  }
}

function view(service: FakeService): BrowsedService & { name: string } {
  const { config, owner } = service;
  return {
    name: config.name,
    fqdn: `${config.name}._konnect._tcp.local`,
    port: config.port,
    txt: { ...config.txt },
    addresses: [owner.address, 'fe80::1'],
    referer: { address: owner.address },
  };
}

class FakeBrowser extends EventEmitter implements BrowserLike {
  private readonly known = new Map<string, BrowsedService>();
  private stopped = false;

  constructor(private readonly lan: FakeLan) {
    super();
    lan.browsers.add(this);
    // Creating a browser sends a query: every service on the LAN answers.
    later(() => [...lan.services.values()].forEach((s) => this.deliver(s)));
  }

  deliver(service: FakeService): void {
    if (this.stopped) return;
    const next = view(service);
    const previous = this.known.get(next.name);
    this.known.set(next.name, next);
    if (!previous) this.emit('up', next);
    else if (JSON.stringify(previous.txt) !== JSON.stringify(next.txt))
      this.emit('txt-update', next, previous);
    else if (previous.port !== next.port) this.emit('srv-update', next, previous);
  }

  remove(name: string): void {
    const previous = this.known.get(name);
    if (this.stopped || !previous) return;
    this.known.delete(name);
    this.emit('down', previous);
  }

  stop(): void {
    this.stopped = true;
    this.lan.browsers.delete(this);
  }
}

class FakeSocket extends EventEmitter {
  sendError: Error | null = null;
  readonly sent: MdnsQuery[] = [];
  query(packet: MdnsQuery, callback: (err: Error | null) => void): void {
    this.sent.push(packet);
    later(() => callback(this.sendError));
  }
}

class FakeBonjour implements BonjourLike {
  readonly published: PublishConfig[] = [];
  readonly browsers: FakeBrowser[] = [];
  readonly socket = new FakeSocket();
  goodbyes = 0;
  destroyed = false;

  constructor(
    private readonly lan: FakeLan,
    readonly address: string,
    readonly options: MdnsSocketOptions,
    readonly onError: (err: Error) => void,
  ) {
    later(() => this.socket.emit('ready'));
  }

  publish(config: PublishConfig): unknown {
    this.published.push(config);
    this.lan.announce({ owner: this, config });
    return {};
  }

  find(): BrowserLike {
    const browser = new FakeBrowser(this.lan);
    this.browsers.push(browser);
    return browser;
  }

  unpublishAll(callback?: () => void): void {
    this.goodbyes++;
    this.lan.goodbye(this);
    later(() => callback?.());
  }

  destroy(callback?: () => void): void {
    this.destroyed = true;
    this.lan.vanish(this);
    later(() => callback?.());
  }
}

// Names no real machine has: listInterfaces() also reads /sys/class/net/<name>/flags where it exists.
const fakeInterfaces = (): NodeJS.Dict<os.NetworkInterfaceInfo[]> => ({
  kxlo: [
    {
      address: '127.0.0.1',
      netmask: '255.0.0.0',
      family: 'IPv4',
      mac: '00:00:00:00:00:00',
      internal: true,
      cidr: '127.0.0.1/8',
    },
  ],
  kxeth1: [
    {
      address: 'fe80::2',
      netmask: 'ffff:ffff:ffff:ffff::',
      family: 'IPv6',
      mac: '02:00:00:00:00:01',
      internal: false,
      cidr: 'fe80::2/64',
      scopeid: 2,
    },
    {
      address: '192.168.5.10',
      netmask: '255.255.255.0',
      family: 'IPv4',
      mac: '02:00:00:00:00:01',
      internal: false,
      cidr: '192.168.5.10/24',
    },
  ],
  kxtun0: [
    {
      address: 'fd00::5',
      netmask: 'ffff::',
      family: 'IPv6',
      mac: '00:00:00:00:00:00',
      internal: false,
      cidr: 'fd00::5/16',
      scopeid: 0,
    },
  ],
});

interface TestNode {
  discovery: MdnsDiscovery;
  self: SelfAdvertisement;
  made: FakeBonjour[];
  current(): FakeBonjour;
  found: Candidate[];
  lost: Candidate[];
  errors: Error[];
}

const nodes: TestNode[] = [];

function hexId(): string {
  return randomBytes(32).toString('hex');
}

function makeNode(
  lan: FakeLan,
  address: string,
  options: {
    init?: MdnsDiscoveryInit;
    id?: string;
    nick?: string;
    interfaces?: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
  } = {},
): TestNode {
  const made: FakeBonjour[] = [];
  const factory: BonjourFactory = (socketOptions, onError) => {
    const bonjour = new FakeBonjour(lan, address, socketOptions, onError);
    made.push(bonjour);
    return { bonjour, socket: bonjour.socket };
  };
  const discovery = new MdnsDiscovery(
    { requeryIntervalMs: 60_000, ...options.init },
    { bonjourFactory: factory, networkInterfaces: options.interfaces ?? fakeInterfaces },
  );
  const node: TestNode = {
    discovery,
    self: { id: options.id ?? hexId(), nick: options.nick ?? 'node', port: 7420, version: 1 },
    made,
    current: () => made[made.length - 1],
    found: [],
    lost: [],
    errors: [],
  };
  discovery.on('candidate:found', (c) => node.found.push(c));
  discovery.on('candidate:lost', (c) => node.lost.push(c));
  discovery.on('discovery:error', (e) => node.errors.push(e));
  nodes.push(node);
  return node;
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(nodes.splice(0).map((n) => n.discovery.stop()));
});

discoveryComplianceSuite('MdnsDiscovery over a fake LAN', async () => {
  const lan = new FakeLan();
  const peer = makeNode(lan, '10.0.0.2', { nick: 'peer' });
  await peer.discovery.start(peer.self);
  const subject = makeNode(lan, '10.0.0.1', { nick: 'subject' });
  // Taken out of `nodes`: the suite owns the subject's lifecycle.
  nodes.splice(nodes.indexOf(subject), 1);
  return {
    discovery: subject.discovery,
    self: subject.self,
    expected: 1,
    settle,
    close: () => peer.discovery.stop(),
  };
});

describe('MdnsDiscovery: what it publishes', () => {
  it('publishes _konnect._tcp under an id-derived name, its own host name and TXT within RFC limits', async () => {
    const lan = new FakeLan();
    const a = makeNode(lan, '10.0.0.1', { nick: 'ä'.repeat(32) });
    await a.discovery.start(a.self);
    const [config] = a.current().published;
    expect(config.type).toBe('konnect');
    expect(config.protocol).toBe('tcp');
    expect(config.port).toBe(7420);
    expect(config.name).toBe(instanceName(a.self.id));
    expect(Buffer.byteLength(config.name)).toBeLessThanOrEqual(MAX_DNS_LABEL_BYTES);
    expect(config.host).toBe(`konnect-${a.self.id.slice(0, 12)}.local`);
    expect(config.probe).toBe(false);
    expect(config.txt).toMatchObject({ v: '1', id: a.self.id, nick: 'ä'.repeat(32) });
    expect(config.txt.run).toMatch(/^[0-9a-f]{8}$/);
    for (const [k, v] of Object.entries(config.txt)) {
      expect(Buffer.byteLength(`${k}=${v}`)).toBeLessThanOrEqual(MAX_TXT_STRING_BYTES);
    }
    // Default options: all interfaces.
    expect(a.current().options).toEqual({});
  });

  it('uses the given host name and a new run token at each start', async () => {
    const lan = new FakeLan();
    const a = makeNode(lan, '10.0.0.1', { init: { hostname: 'desk.local' } });
    await a.discovery.start(a.self);
    await a.discovery.stop();
    await a.discovery.start(a.self);
    const [first, second] = a.made.map((b) => b.published[0]);
    expect(first.host).toBe('desk.local');
    expect(first.txt.run).not.toBe(second.txt.run);
  });

  it('rejects an invalid advertisement', async () => {
    const a = makeNode(new FakeLan(), '10.0.0.1');
    await expect(a.discovery.start({ ...a.self, id: 'xyz' })).rejects.toBeInstanceOf(KonnectError);
    await expect(a.discovery.start({ ...a.self, port: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(a.discovery.start({ ...a.self, nick: 'n'.repeat(300) })).rejects.toThrow(/TXT entry nick/);
    expect(a.made).toHaveLength(0);
    // An update that cannot be advertised throws to its caller and leaves the running service alone.
    await a.discovery.start(a.self);
    expect(() => a.discovery.update({ ...a.self, nick: 'n'.repeat(300) })).toThrow(/TXT entry nick/);
    await settle();
    expect(a.made).toHaveLength(1);
    expect(a.current().destroyed).toBe(false);
  });

  it('a start() that fails to open the socket leaves it stopped, and a later start() works', async () => {
    const lan = new FakeLan();
    const peer = makeNode(lan, '10.0.0.2');
    await peer.discovery.start(peer.self);
    let attempts = 0;
    const factory: BonjourFactory = (options, onError) => {
      if (attempts++ === 0) throw new Error('no socket for you');
      const bonjour = new FakeBonjour(lan, '10.0.0.1', options, onError);
      return { bonjour, socket: bonjour.socket };
    };
    const discovery = new MdnsDiscovery({}, { bonjourFactory: factory });
    const found: Candidate[] = [];
    discovery.on('candidate:found', (c) => found.push(c));
    const self = { id: hexId(), nick: 'n', port: 1, version: 1 };
    await expect(discovery.start(self)).rejects.toThrow('no socket for you');
    await discovery.start(self);
    await waitFor(() => found.length === 1, 'the peer after the second start');
    await discovery.stop();
  });
});

describe('MdnsDiscovery: what it reports', () => {
  it('finds peers with their address first, and never itself', async () => {
    const lan = new FakeLan();
    const a = makeNode(lan, '10.0.0.1', { nick: 'alice' });
    const b = makeNode(lan, '10.0.0.2', { nick: 'bob' });
    await a.discovery.start(a.self);
    await b.discovery.start(b.self);
    await waitFor(() => a.found.length > 0 && b.found.length > 0, 'a and b to find each other');
    await settle();
    expect(a.found).toEqual([
      { id: b.self.id, addresses: ['10.0.0.2:7420'], method: 'mdns', nick: 'bob', version: 1 },
    ]);
    expect(b.found.map((c) => c.id)).toEqual([a.self.id]);
    expect(a.discovery.candidates().map((c) => c.id)).toEqual([b.self.id]);
  });

  it('reports a peer restarted with the same id (same name, port and nick) as found again', async () => {
    const lan = new FakeLan();
    const a = makeNode(lan, '10.0.0.1');
    const b = makeNode(lan, '10.0.0.2', { nick: 'bob' });
    await a.discovery.start(a.self);
    await b.discovery.start(b.self);
    await waitFor(() => a.found.length === 1, 'a to find b');
    lan.vanish(b.current()); // killed: no goodbye
    const b2 = makeNode(lan, '10.0.0.2', { id: b.self.id, nick: 'bob' });
    await b2.discovery.start(b2.self);
    await waitFor(() => a.found.length === 2, 'a to report the restarted b');
    expect(a.found[1]).toEqual(a.found[0]);
    expect(a.lost).toEqual([]);
  });

  it('update() republishes without a goodbye: peers see the new nick, not a departure', async () => {
    const lan = new FakeLan();
    const a = makeNode(lan, '10.0.0.1', { nick: 'alice' });
    const b = makeNode(lan, '10.0.0.2');
    await a.discovery.start(a.self);
    await b.discovery.start(b.self);
    await waitFor(() => b.found.length === 1, 'b to find a');
    a.discovery.update({ ...a.self, nick: 'alice-2' });
    await waitFor(() => b.found.some((c) => c.nick === 'alice-2'), 'b to see the new nick');
    const [first, second] = a.made;
    expect(first.goodbyes).toBe(0);
    expect(first.destroyed).toBe(true);
    expect(second.published[0].txt.nick).toBe('alice-2');
    expect(second.published[0].txt.run).toBe(first.published[0].txt.run);
    expect(b.lost).toEqual([]);
    // An update that changes nothing advertised opens nothing.
    a.discovery.update({ ...a.self, nick: 'alice-2' });
    await settle();
    expect(a.made).toHaveLength(2);
    expect(() => a.discovery.update({ ...a.self, id: hexId() })).toThrow(KonnectError);
  });

  it('update() compares with what was advertised, even when the caller mutates its object', async () => {
    const a = makeNode(new FakeLan(), '10.0.0.1', { nick: 'old' });
    const self = { ...a.self };
    await a.discovery.start(self);
    self.nick = 'new';
    a.discovery.update(self);
    await waitFor(() => a.made.length === 2, 'a second publication');
    expect(a.current().published[0].txt.nick).toBe('new');
  });

  it('an update() issued before start() has run is what gets published', async () => {
    const a = makeNode(new FakeLan(), '10.0.0.1', { nick: 'old' });
    const started = a.discovery.start(a.self);
    a.discovery.update({ ...a.self, nick: 'new' });
    await started;
    await settle();
    expect(a.current().published[0].txt.nick).toBe('new');
  });

  it('stop() sends a goodbye, then closes; peers report candidate:lost', async () => {
    const lan = new FakeLan();
    const a = makeNode(lan, '10.0.0.1');
    const b = makeNode(lan, '10.0.0.2');
    await a.discovery.start(a.self);
    await b.discovery.start(b.self);
    await waitFor(() => b.found.length === 1, 'b to find a');
    await a.discovery.stop();
    expect(a.current().goodbyes).toBe(1);
    expect(a.current().destroyed).toBe(true);
    await waitFor(() => b.lost.length === 1, 'b to report a lost');
    expect(b.lost[0].id).toBe(a.self.id);
    expect(a.discovery.candidates()).toEqual([]);
  });

  it('refresh() re-reports the peers that still answer, and only those', async () => {
    const lan = new FakeLan();
    const a = makeNode(lan, '10.0.0.1');
    const b = makeNode(lan, '10.0.0.2');
    const c = makeNode(lan, '10.0.0.3');
    for (const n of [a, b, c]) await n.discovery.start(n.self);
    await waitFor(() => a.found.length === 2, 'a to find b and c');
    lan.vanish(c.current());
    a.discovery.refresh();
    await waitFor(() => a.found.length === 3, 'a to re-report b');
    await settle();
    expect(a.found.slice(2).map((x) => x.id)).toEqual([b.self.id]);
  });

  it('re-queries periodically: a silent peer is reported lost, a live one is not', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const lan = new FakeLan();
    const a = makeNode(lan, '10.0.0.1', { init: { requeryIntervalMs: 1000, expireAfterMs: 3000 } });
    const b = makeNode(lan, '10.0.0.2');
    const c = makeNode(lan, '10.0.0.3');
    for (const n of [a, b, c]) await n.discovery.start(n.self);
    await settle();
    expect(a.found).toHaveLength(2);
    // Ten rounds with everyone answering: nothing is lost.
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      await settle();
    }
    expect(a.lost).toEqual([]);
    lan.vanish(c.current());
    for (let i = 0; i < 10 && a.lost.length === 0; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      await settle();
    }
    expect(a.lost.map((x) => x.id)).toEqual([c.self.id]);
    expect(a.discovery.candidates().map((x) => x.id)).toEqual([b.self.id]);
  });

  it('ignores services that are not usable konnect nodes', () => {
    const good = {
      name: 'x',
      port: 7420,
      txt: { id: 'a'.repeat(64), v: '1', nick: 'bob' },
      referer: { address: '10.0.0.2' },
    };
    expect(parseService(good)?.candidate).toEqual({
      id: 'a'.repeat(64),
      addresses: ['10.0.0.2:7420'],
      method: 'mdns',
      nick: 'bob',
      version: 1,
    });
    expect(parseService({ ...good, txt: undefined })).toBeNull();
    expect(parseService({ ...good, txt: { ...good.txt, id: 'A'.repeat(64) } })).toBeNull();
    expect(parseService({ ...good, txt: { ...good.txt, id: 'a'.repeat(63) } })).toBeNull();
    expect(parseService({ ...good, port: 0 })).toBeNull();
    expect(parseService({ ...good, port: 70000 })).toBeNull();
    expect(parseService({ ...good, referer: { address: 'fe80::1' }, addresses: ['fe80::1'] })).toBeNull();
    // A bad nick or version is dropped, not trusted.
    const odd = parseService({ ...good, txt: { ...good.txt, nick: '\u001b[31mevil', v: 'x' } });
    expect(odd?.candidate.nick).toBeUndefined();
    expect(odd?.candidate.version).toBeUndefined();
    // Referer first, IPv4 only, no duplicates, at most 8.
    const many = Array.from({ length: 12 }, (_, i) => `10.1.0.${i}`);
    const parsed = parseService({ ...good, addresses: ['10.0.0.2', 'fe80::1', ...many] });
    expect(parsed?.candidate.addresses[0]).toBe('10.0.0.2:7420');
    expect(parsed?.candidate.addresses).toHaveLength(8);
  });

  it('refuses a TXT entry over 255 bytes', () => {
    const self = { id: 'a'.repeat(64), nick: 'n'.repeat(300), port: 1, version: 1 };
    expect(() => buildTxt(self, 'ab')).toThrow(/TXT entry nick/);
    expect(defaultHostName(self.id)).toBe('konnect-aaaaaaaaaaaa.local');
  });
});

describe('MdnsDiscovery: interfaces', () => {
  it('resolves an interface name or address to its IPv4 address', () => {
    expect(resolveInterface('kxeth1', fakeInterfaces)).toEqual({
      name: 'kxeth1',
      address: '192.168.5.10',
      netmask: '255.255.255.0',
    });
    expect(resolveInterface('192.168.5.10', fakeInterfaces).name).toBe('kxeth1');
    expect(() => resolveInterface('wlan9', fakeInterfaces)).toThrow(
      /no such interface \(this machine has: kxlo, kxeth1, kxtun0\)/,
    );
    expect(() => resolveInterface('kxtun0', fakeInterfaces)).toThrow(/no IPv4 address/);
    expect(() => resolveInterface('10.9.9.9', fakeInterfaces)).toThrow(UsageError);
  });

  it('with an interface, binds the wildcard, joins on that address and ignores answers from other subnets', async () => {
    const lan = new FakeLan();
    const a = makeNode(lan, '192.168.5.10', { init: { interface: 'kxeth1' } });
    const near = makeNode(lan, '192.168.5.20');
    const far = makeNode(lan, '10.0.0.3');
    for (const n of [near, far, a]) await n.discovery.start(n.self);
    await waitFor(() => a.found.length === 1, 'a to find the peer on its subnet');
    await settle();
    expect(a.current().options).toEqual({ interface: '192.168.5.10', bind: '0.0.0.0' });
    expect(a.found.map((c) => c.id)).toEqual([near.self.id]);
  });

  it('rejects start() with UsageError for an unknown interface', async () => {
    const a = makeNode(new FakeLan(), '10.0.0.1', { init: { interface: 'wlan9' } });
    await expect(a.discovery.start(a.self)).rejects.toMatchObject({ code: 'USAGE' });
    expect(a.made).toHaveLength(0);
    // The failed start leaves it stopped and usable.
    await a.discovery.stop();
  });

  it('lists interfaces with their multicast capability', () => {
    const list = listInterfaces(fakeInterfaces);
    expect(list.map((i) => [i.name, i.ipv4, i.internal, i.multicastCapable])).toEqual([
      ['kxlo', ['127.0.0.1'], true, false],
      ['kxeth1', ['192.168.5.10'], false, true],
      ['kxtun0', [], false, false],
    ]);
  });
});

describe('MdnsDiscovery: errors are reported, not thrown', () => {
  it('socket errors become discovery:error, once per distinct message; LAN garbage does not', async () => {
    const a = makeNode(new FakeLan(), '10.0.0.1');
    await a.discovery.start(a.self);
    const socket = a.current().socket;
    socket.emit('error', Object.assign(new Error('bind EADDRINUSE 0.0.0.0:5353'), { code: 'EADDRINUSE' }));
    socket.emit('error', Object.assign(new Error('bind EADDRINUSE 0.0.0.0:5353'), { code: 'EADDRINUSE' }));
    socket.emit('warning', new Error('Header must be 12 bytes'));
    socket.emit('warning', Object.assign(new Error('addMembership EINVAL'), { syscall: 'addMembership' }));
    a.current().onError(new Error('respond failed'));
    expect(a.errors.map((e) => e.message)).toEqual([
      'bind EADDRINUSE 0.0.0.0:5353',
      'addMembership EINVAL',
      'respond failed',
    ]);
  });

  it('says so when mDNS cannot send (no multicast route)', async () => {
    const lan = new FakeLan();
    const factory: BonjourFactory = (options, onError) => {
      const bonjour = new FakeBonjour(lan, '10.0.0.1', options, onError);
      bonjour.socket.sendError = new Error('send ENETUNREACH 224.0.0.251:5353');
      return { bonjour, socket: bonjour.socket };
    };
    const discovery = new MdnsDiscovery({}, { bonjourFactory: factory });
    const errors: Error[] = [];
    discovery.on('discovery:error', (e) => errors.push(e));
    await discovery.start({ id: hexId(), nick: 'n', port: 1, version: 1 });
    await waitFor(() => errors.length > 0, 'a send error');
    expect(errors[0].message).toMatch(/mDNS cannot send: send ENETUNREACH .*224\.0\.0\.0\/4/);
    await discovery.stop();
  });
});

describe('probeMulticast', () => {
  function probeFactory(behaviour: (socket: FakeSocket) => void): {
    factory: BonjourFactory;
    made: FakeBonjour[];
  } {
    const made: FakeBonjour[] = [];
    const factory: BonjourFactory = (options, onError) => {
      const bonjour = new FakeBonjour(new FakeLan(), '10.0.0.1', options, onError);
      made.push(bonjour);
      behaviour(bonjour.socket);
      return { bonjour, socket: bonjour.socket };
    };
    return { factory, made };
  }

  it('tells its own looped-back query from packets of others, on the given interface, and closes the socket', async () => {
    const { factory, made } = probeFactory((socket) =>
      later(() => {
        const own = socket.sent[0];
        socket.emit('packet', { type: 'query', id: (own.id ?? 0) + 1 }, { address: '10.0.0.7' });
        socket.emit('packet', { type: 'query', id: own.id }, { address: '10.0.0.1' });
        socket.emit('packet', { type: 'response', id: 0 }, { address: '10.0.0.7' });
      }),
    );
    const result = await probeMulticast('10.0.0.1', 50, factory);
    expect(result).toMatchObject({ received: true, ownQuerySeen: true, from: ['10.0.0.7', '10.0.0.1'] });
    expect(result.error).toBeUndefined();
    expect(made[0].options).toEqual({ interface: '10.0.0.1', bind: '0.0.0.0' });
    expect(made[0].socket.sent[0].questions).toEqual([{ name: '_konnect._tcp.local', type: 'PTR' }]);
    expect(made[0].destroyed).toBe(true);
  });

  it('does not mistake a query from elsewhere for its own', async () => {
    const { factory } = probeFactory((socket) =>
      later(() =>
        socket.emit('packet', { type: 'query', id: (socket.sent[0].id ?? 0) ^ 1 }, { address: '10.0.0.7' }),
      ),
    );
    const result = await probeMulticast(undefined, 50, factory);
    expect(result).toMatchObject({ received: true, ownQuerySeen: false, from: ['10.0.0.7'] });
  });

  it('reports nothing received, with the send error, when no packet comes', async () => {
    const { factory, made } = probeFactory((socket) => {
      socket.sendError = new Error('send ENETUNREACH 224.0.0.251:5353');
    });
    const result = await probeMulticast(undefined, 50, factory);
    expect(result).toEqual({
      received: false,
      ownQuerySeen: false,
      from: [],
      error: 'sending the query failed: send ENETUNREACH 224.0.0.251:5353',
    });
    expect(made[0].destroyed).toBe(true);
  });

  it('takes its time and its timeout from the clock it is handed', async () => {
    let now = 1_000;
    let timeout: { fn: () => void; ms: number } | undefined;
    const clock: Clock = {
      ...systemClock,
      now: () => now,
      setTimeout: (fn, ms) => {
        timeout = { fn, ms };
        return {};
      },
      clearTimeout: () => {},
    };
    const { factory } = probeFactory((socket) =>
      later(() => {
        now += 37;
        socket.emit('packet', { type: 'query', id: socket.sent[0].id }, { address: '10.0.0.1' });
        timeout?.fn();
      }),
    );
    const result = await probeMulticast(undefined, 1_500, factory, clock);
    expect(timeout?.ms).toBe(1_500);
    expect(result).toMatchObject({ received: true, ownQuerySeen: true, firstPacketMs: 37 });
  });
});

describe('MdnsDiscovery: an address change', () => {
  /** fakeInterfaces with kxeth1's IPv4 address replaced. */
  const withAddress = (address: string) => (): NodeJS.Dict<os.NetworkInterfaceInfo[]> => {
    const all = fakeInterfaces();
    all.kxeth1 = all.kxeth1!.map((i) => (i.family === 'IPv4' ? { ...i, address, cidr: `${address}/24` } : i));
    return all;
  };

  it('advertisedAddresses lists the IPv4 addresses bonjour-service puts in A records, sorted', () => {
    expect(advertisedAddresses(fakeInterfaces())).toEqual(['192.168.5.10']);
    const more = { ...fakeInterfaces(), kxeth2: withAddress('10.1.0.9')().kxeth1 };
    expect(advertisedAddresses(more)).toEqual(['10.1.0.9', '192.168.5.10']);
  });

  it("publishes again, without a goodbye, at the next round after this machine's addresses change", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const lan = new FakeLan();
    let interfaces = withAddress('192.168.5.10');
    const a = makeNode(lan, '10.0.0.1', {
      init: { requeryIntervalMs: 1000, expireAfterMs: 60_000 },
      interfaces: () => interfaces(),
    });
    const b = makeNode(lan, '10.0.0.2', { init: { requeryIntervalMs: 1000, expireAfterMs: 60_000 } });
    for (const n of [a, b]) await n.discovery.start(n.self);
    await settle();
    // Rounds with nothing changed publish nothing new.
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      await settle();
    }
    expect(a.made).toHaveLength(1);
    interfaces = withAddress('192.168.5.77');
    for (let i = 0; i < 3 && a.made.length < 2; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      await settle();
    }
    expect(a.made, 'a new socket published the records again').toHaveLength(2);
    const [first, second] = a.made;
    expect(first.goodbyes, 'the old socket closed without a goodbye').toBe(0);
    expect(first.destroyed).toBe(true);
    expect(second.published[0].txt).toEqual(first.published[0].txt);
    expect(b.lost, 'peers saw no departure').toEqual([]);
    // Published once for the new address, not again at every round.
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      await settle();
    }
    expect(a.made).toHaveLength(2);
  });

  it('with --interface, follows the interface to its new address', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let interfaces = withAddress('192.168.5.10');
    const a = makeNode(new FakeLan(), '10.0.0.1', {
      init: { requeryIntervalMs: 1000, interface: 'kxeth1' },
      interfaces: () => interfaces(),
    });
    await a.discovery.start(a.self);
    expect(a.current().options).toEqual({ interface: '192.168.5.10', bind: '0.0.0.0' });
    interfaces = withAddress('192.168.5.77');
    for (let i = 0; i < 3 && a.made.length < 2; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      await settle();
    }
    expect(a.current().options).toEqual({ interface: '192.168.5.77', bind: '0.0.0.0' });
    expect(a.errors).toEqual([]);
  });
});

describe('mDNS records: the cache-flush bit (RFC 6762 §10.2)', () => {
  it('is set on the unique records (SRV, TXT, A, AAAA) and not on the shared PTR records', () => {
    const records = markCacheFlush<MdnsRecord>([
      { name: '_konnect._tcp.local', type: 'PTR', data: 'x._konnect._tcp.local' },
      { name: '_services._dns-sd._udp.local', type: 'PTR', data: '_konnect._tcp.local' },
      { name: 'x._konnect._tcp.local', type: 'SRV', data: { port: 7420, target: 'h.local' } },
      { name: 'x._konnect._tcp.local', type: 'TXT', data: [] },
      { name: 'h.local', type: 'A', data: '10.0.0.1' },
      { name: 'h.local', type: 'AAAA', data: 'fe80::1' },
    ]);
    expect(records.map((r) => `${r.type} ${r.flush === true}`)).toEqual([
      'PTR false',
      'PTR false',
      'SRV true',
      'TXT true',
      'A true',
      'AAAA true',
    ]);
  });
});

describe('MdnsDiscovery: each problem is said once', () => {
  it('reports a problem as discovery:error only (the daemon logs that), not also through its logger', async () => {
    const warn = vi.fn();
    const a = makeNode(new FakeLan(), '10.0.0.1', { init: { logger: { debug: () => {}, warn } } });
    await a.discovery.start(a.self);
    a.current().onError(new Error('respond failed'));
    expect(a.errors.map((e) => e.message)).toEqual(['respond failed']);
    expect(warn).not.toHaveBeenCalled();
  });

  it('a problem met again by the socket of a republish is not reported again', async () => {
    const a = makeNode(new FakeLan(), '10.0.0.1');
    await a.discovery.start(a.self);
    a.current().onError(new Error('respond failed'));
    a.discovery.update({ ...a.self, nick: 'renamed' });
    await waitFor(() => a.made.length === 2, 'the republish on a new socket');
    a.current().onError(new Error('respond failed'));
    expect(a.errors.map((e) => e.message)).toEqual(['respond failed']);
  });
});
