/**
 * The mDNS socket: choosing the interface, and the one place that opens bonjour-service. The types
 * below are the small part of bonjour-service that konnect uses, so tests can pass a fake factory.
 *
 * Interfaces on Linux (measured here in network namespaces, and mafintosh/multicast-dns#53):
 * multicast-dns binds its UDP socket to `bind ?? interface`. Bound to an interface's unicast
 * address, a Linux socket only gets datagrams sent to that address, so every multicast packet to
 * 224.0.0.251 is dropped and nothing is ever found (not even our own loopback). konnect therefore
 * passes `bind: '0.0.0.0'` with `interface`: the wildcard bind receives, `interface` selects where the
 * group is joined (addMembership) and where queries and answers are sent (setMulticastInterface).
 * Linux still hands a wildcard socket multicast that arrives on other interfaces when something else
 * joined the group there (IP_MULTICAST_ALL, not settable from Node), so MdnsDiscovery also ignores
 * answers whose source is outside the chosen interface's subnet.
 *
 * Default, without an interface: the group is joined on every IPv4 interface (what a LAN user
 * expects: found on wired and Wi-Fi alike) and packets go out where the routing table sends
 * 224.0.0.251 (a 224.0.0.0/4 route, else the default route).
 */
import os from 'node:os';
import { isIPv4 } from 'node:net';
import BonjourService from 'bonjour-service';
import { UsageError } from '../wire/index.js';
import { markCacheFlush, type BrowsedService, type MdnsRecord } from './mdns-records.js';

/** Options handed through bonjour-service to multicast-dns. */
export interface MdnsSocketOptions {
  interface?: string;
  bind?: string;
}

export interface ResolvedInterface {
  name: string;
  address: string;
  netmask: string;
}

export type NetworkInterfacesFn = () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;

/** Resolves `--interface` (a name like eth0, or one of this machine's IPv4 addresses). */
export function resolveInterface(
  spec: string,
  networkInterfaces: NetworkInterfacesFn = os.networkInterfaces,
): ResolvedInterface {
  const all = Object.entries(networkInterfaces());
  const ipv4 = (infos: os.NetworkInterfaceInfo[] | undefined) =>
    (infos ?? []).filter((i) => i.family === 'IPv4');
  if (isIPv4(spec)) {
    for (const [name, infos] of all) {
      const match = ipv4(infos).find((i) => i.address === spec);
      if (match) return { name, address: match.address, netmask: match.netmask };
    }
    throw new UsageError('USAGE', `bad --interface "${spec}": no interface of this machine has that address`);
  }
  const entry = all.find(([name]) => name === spec);
  if (!entry) {
    const names = all.map(([name]) => name).join(', ');
    throw new UsageError(
      'USAGE',
      `bad --interface "${spec}": no such interface (this machine has: ${names})`,
    );
  }
  const first = ipv4(entry[1])[0];
  if (!first) throw new UsageError('USAGE', `bad --interface "${spec}": it has no IPv4 address`);
  return { name: spec, address: first.address, netmask: first.netmask };
}

/** multicast-dns options for an interface's IPv4 address (see the header for why `bind` is the wildcard). */
export function socketOptionsFor(interfaceAddress: string | undefined): MdnsSocketOptions {
  return interfaceAddress ? { interface: interfaceAddress, bind: '0.0.0.0' } : {};
}

function ipv4ToInt(address: string): number {
  return address.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

/** Whether an IPv4 address lies in the interface's subnet. */
export function inSubnet(address: string, iface: ResolvedInterface): boolean {
  if (!isIPv4(address)) return false;
  const mask = ipv4ToInt(iface.netmask);
  return (ipv4ToInt(address) & mask) >>> 0 === (ipv4ToInt(iface.address) & mask) >>> 0;
}

export interface PublishConfig {
  name: string;
  type: string;
  protocol: 'tcp';
  port: number;
  host: string;
  txt: Record<string, string>;
  probe: boolean;
  disableIPv6: boolean;
}

export type BrowserEventName = 'up' | 'down' | 'txt-update' | 'srv-update';

export interface BrowserLike {
  on(event: BrowserEventName, listener: (service: BrowsedService) => void): unknown;
  stop(): void;
}

export interface BonjourLike {
  publish(config: PublishConfig): unknown;
  /** Creating a browser sends one PTR query for the type. */
  find(config: { type: string; protocol: 'tcp' }): BrowserLike;
  /** Sends goodbyes (TTL 0) for everything published. */
  unpublishAll(callback?: () => void): void;
  /** Closes the socket; sends nothing. */
  destroy(callback?: () => void): void;
}

export interface MdnsQuery {
  /** DNS message id; mDNS queries normally use 0, any value is allowed (RFC 6762 §18.1). */
  id?: number;
  questions: { name: string; type: string }[];
}

/** The multicast-dns instance: 'ready' once bound, 'error' for bind failures, 'warning' for the rest. */
export interface MdnsSocketLike {
  on(event: 'ready', listener: () => void): unknown;
  on(event: 'error' | 'warning', listener: (err: Error) => void): unknown;
  on(
    event: 'packet',
    listener: (packet: { type?: string; id?: number }, rinfo: { address: string }) => void,
  ): unknown;
  // Listeners of several signatures are removed through this one method.
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  /** Sends one query; the callback gets the send error, which bonjour-service itself drops. */
  query(packet: MdnsQuery, callback: (err: Error | null) => void): unknown;
}

export interface MdnsSession {
  bonjour: BonjourLike;
  /** Null when the factory cannot expose it (a fake); then there is no 'ready' to wait for. */
  socket: MdnsSocketLike | null;
}

export type BonjourFactory = (options: MdnsSocketOptions, onError: (err: Error) => void) => MdnsSession;

/** The part of bonjour-service's private responder (`bonjour.server`) that defaultBonjourFactory reaches. */
interface RecordServer {
  mdns?: MdnsSocketLike;
  register(records: MdnsRecord | MdnsRecord[]): void;
  unregister(records: MdnsRecord | MdnsRecord[]): void;
}

export const defaultBonjourFactory: BonjourFactory = (options, onError) => {
  // bonjour-service types its options as a ServiceConfig, yet hands them to multicast-dns.
  const bonjour = new BonjourService(
    options as unknown as ConstructorParameters<typeof BonjourService>[0],
    onError,
  );
  // bonjour-service keeps its multicast-dns instance private, but that instance emits 'error' (bind
  // failures), which would crash the process without a listener. This is the one place that reaches it.
  const server = (bonjour as unknown as { server?: RecordServer }).server;
  const socket = server?.mdns ?? null;
  // Every record bonjour-service announces, answers queries with, or says goodbye with passes through
  // register() or unregister() as the same objects it then sends: marking them there sets the
  // cache-flush bit on our unique records everywhere they go out.
  if (server) {
    const register = server.register.bind(server);
    const unregister = server.unregister.bind(server);
    server.register = (records) => register(markCacheFlush(Array.isArray(records) ? records : [records]));
    server.unregister = (records) => unregister(markCacheFlush(Array.isArray(records) ? records : [records]));
  }
  return { bonjour: bonjour as unknown as BonjourLike, socket };
};

/** Resolves with how binding ended: 'ready', a bind 'error', or nothing within `ms`. */
export function waitReady(socket: MdnsSocketLike, ms: number): Promise<'ready' | 'error' | 'timeout'> {
  return new Promise((resolve) => {
    const finish = (outcome: 'ready' | 'error' | 'timeout') => {
      clearTimeout(timer);
      socket.removeListener('ready', onReady);
      socket.removeListener('error', onError);
      resolve(outcome);
    };
    const onReady = () => finish('ready');
    const onError = () => finish('error');
    const timer = setTimeout(() => finish('timeout'), ms);
    socket.on('ready', onReady);
    socket.on('error', onError);
  });
}

/** Calls a callback-style API and resolves when it calls back or after `ms`, whichever is first. */
export function callbackWithin(call: (done: () => void) => void, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    call(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
