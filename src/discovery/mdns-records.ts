/**
 * What a konnect node puts in DNS-SD and how a browsed service turns back into a Candidate. Pure
 * functions, apart from the socket code, so the limits (63-byte labels, 255-byte TXT strings) and the
 * validation of what strangers advertise are unit-tested directly.
 */
import { isIPv4 } from 'node:net';
import { KonnectError, MAX_ADDRESSES_PER_PEER, NICK_PATTERN } from '../wire/index.js';
import type { Candidate, SelfAdvertisement } from './types.js';

/** DNS-SD service type and protocol: `_konnect._tcp.local`. */
export const SERVICE_TYPE = 'konnect';
export const SERVICE_PROTOCOL = 'tcp';
export const SERVICE_DOMAIN = '_konnect._tcp.local';

/** RFC 1035: a DNS label holds at most 63 bytes. */
export const MAX_DNS_LABEL_BYTES = 63;
/** RFC 6763 §6.1: each `key=value` string of a TXT record holds at most 255 bytes. */
export const MAX_TXT_STRING_BYTES = 255;
/** Hex digits of the id in the instance name: 128 bits cannot collide on a LAN, and the label stays short. */
const INSTANCE_ID_HEX = 32;
/** Hex digits of the id in the default host name. */
const HOST_ID_HEX = 12;

const NODE_ID = /^[0-9a-f]{64}$/;
const RUN_TOKEN = /^[0-9a-f]{1,32}$/;

/** The TXT keys konnect advertises. `run` changes at every start, so a restart is seen as a change. */
export interface KonnectTxt {
  v: string;
  id: string;
  nick: string;
  run: string;
}

/**
 * Instance name, unique per node because it is derived from the node's public key: bonjour-service
 * stops a service whose name clashes, and a name from the nick would clash and change.
 */
export function instanceName(id: string): string {
  return `konnect-${id.slice(0, INSTANCE_ID_HEX)}`;
}

/** Each node's own mDNS host name: namespaces and containers share os.hostname(), nodes must not. */
export function defaultHostName(id: string): string {
  return `konnect-${id.slice(0, HOST_ID_HEX)}.local`;
}

export function assertSelf(self: SelfAdvertisement): void {
  if (!NODE_ID.test(self.id))
    throw new KonnectError('INVALID_ARGUMENT', 'node id must be 64 lower-case hex digits');
  if (!Number.isInteger(self.port) || self.port < 1 || self.port > 65535) {
    throw new KonnectError('INVALID_ARGUMENT', `port must be 1..65535, got ${self.port}`);
  }
  if (!Number.isInteger(self.version) || self.version < 0) {
    throw new KonnectError('INVALID_ARGUMENT', `version must be a non-negative integer, got ${self.version}`);
  }
  // Checked up front, so update() throws to its caller instead of failing after the old socket closed.
  buildTxt(self, '0'.repeat(8));
}

export function buildTxt(self: SelfAdvertisement, run: string): KonnectTxt {
  const txt: KonnectTxt = { v: String(self.version), id: self.id, nick: self.nick, run };
  for (const [key, value] of Object.entries(txt)) {
    const bytes = Buffer.byteLength(`${key}=${value}`);
    if (bytes > MAX_TXT_STRING_BYTES) {
      throw new KonnectError(
        'INVALID_ARGUMENT',
        `TXT entry ${key} is ${bytes} bytes (limit ${MAX_TXT_STRING_BYTES})`,
      );
    }
  }
  return txt;
}

/** The fields of a bonjour-service Service that parseService reads (all untrusted). */
export interface BrowsedService {
  name?: string;
  fqdn?: string;
  port?: number;
  txt?: unknown;
  addresses?: string[];
  referer?: { address?: string };
}

export interface ParsedService {
  candidate: Candidate & { id: string };
  run: string | undefined;
}

/**
 * Turns what a stranger advertised into a candidate, or null when it is not a usable konnect node.
 * Addresses: the packet's source first (the one address known to route back to us), then the IPv4
 * A records, which may include interfaces we cannot reach (e.g. a container bridge).
 */
export function parseService(service: BrowsedService): ParsedService | null {
  const txt = service.txt;
  if (typeof txt !== 'object' || txt === null) return null;
  const { id, v, nick, run } = txt as Record<string, unknown>;
  if (typeof id !== 'string' || !NODE_ID.test(id)) return null;
  const port = service.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return null;

  const hosts: string[] = [];
  const referer = service.referer?.address;
  if (typeof referer === 'string' && isIPv4(referer)) hosts.push(referer);
  for (const address of service.addresses ?? []) {
    if (typeof address === 'string' && isIPv4(address) && !hosts.includes(address)) hosts.push(address);
  }
  if (hosts.length === 0) return null;

  const candidate: Candidate & { id: string } = {
    id,
    addresses: hosts.slice(0, MAX_ADDRESSES_PER_PEER).map((host) => `${host}:${port}`),
    method: 'mdns',
  };
  if (typeof nick === 'string' && NICK_PATTERN.test(nick)) candidate.nick = nick;
  if (typeof v === 'string' && /^[0-9]{1,6}$/.test(v)) candidate.version = Number(v);
  return { candidate, run: typeof run === 'string' && RUN_TOKEN.test(run) ? run : undefined };
}

/** Whether two reports of the same id differ in anything the daemon acts on. */
export function sameCandidate(a: Candidate, b: Candidate): boolean {
  if (a.id !== b.id || a.nick !== b.nick || a.version !== b.version) return false;
  const left = [...a.addresses].sort();
  const right = [...b.addresses].sort();
  return left.length === right.length && left.every((address, i) => address === right[i]);
}

/** A resource record as bonjour-service hands it to dns-packet (`flush` sets the class's top bit). */
export interface MdnsRecord {
  name: string;
  type: string;
  ttl?: number;
  data?: unknown;
  flush?: boolean;
}

/**
 * RFC 6762 §10.2: records only this host answers for (SRV, TXT, A, AAAA) go out with the cache-flush
 * bit, so a resolver that cached our old address replaces it instead of adding the new one beside it.
 * PTR records are shared (every node answers for `_konnect._tcp.local`) and must not carry it.
 * bonjour-service never sets it; this marks the records it registers, in place.
 */
export function markCacheFlush<T extends MdnsRecord>(records: T[]): T[] {
  for (const record of records) {
    if (UNIQUE_TYPES.has(record.type)) record.flush = true;
  }
  return records;
}

const UNIQUE_TYPES = new Set(['SRV', 'TXT', 'A', 'AAAA']);

/** The subset of os.NetworkInterfaceInfo that advertisedAddresses reads. */
interface AddressInfo {
  address: string;
  family: string | number;
  internal: boolean;
  mac?: string;
}

/**
 * The IPv4 addresses bonjour-service puts in our A records (it reads them once, at publish, and skips
 * loopback and interfaces without a MAC), sorted: when this list changes, the records are stale.
 */
export function advertisedAddresses(interfaces: NodeJS.Dict<AddressInfo[]>): string[] {
  const addresses = new Set<string>();
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      const ipv4 = info.family === 'IPv4' || info.family === 4;
      if (ipv4 && !info.internal && info.mac !== '00:00:00:00:00:00') addresses.add(info.address);
    }
  }
  return [...addresses].sort();
}
