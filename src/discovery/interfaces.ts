/**
 * What `konnect doctor` needs to tell a user why nobody is found: the interfaces mDNS could use, and
 * a probe that sends one mDNS query on an interface and reports what came back: our own query
 * (the socket can send), other sources (the LAN carries multicast), or the error that stopped it.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { type Clock, systemClock, type Timer } from '../clock/index.js';
import { SERVICE_DOMAIN, SERVICE_PROTOCOL, SERVICE_TYPE } from './mdns-records.js';
import {
  defaultBonjourFactory,
  socketOptionsFor,
  type BonjourFactory,
  type BrowserLike,
} from './mdns-socket.js';

export interface InterfaceSummary {
  name: string;
  /** IPv4 addresses (mDNS here is IPv4 only). */
  ipv4: string[];
  /** Administratively up (IFF_UP); true where the OS does not say (only configured interfaces are listed). */
  up: boolean;
  /** Loopback. */
  internal: boolean;
  /** Could carry mDNS: not internal, has IPv4, up, and (where the OS says) flagged for multicast. */
  multicastCapable: boolean;
}

// Linux interface flags (linux/if.h), readable in /sys/class/net/<name>/flags.
const IFF_UP = 0x1;
const IFF_MULTICAST = 0x1000;

function linuxFlags(name: string): number | undefined {
  if (process.platform !== 'linux' || !/^[\w.@:-]+$/.test(name)) return undefined;
  try {
    return Number.parseInt(readFileSync(`/sys/class/net/${name}/flags`, 'utf8').trim(), 16);
  } catch {
    return undefined;
  }
}

export function listInterfaces(networkInterfaces = os.networkInterfaces): InterfaceSummary[] {
  return Object.entries(networkInterfaces()).map(([name, infos = []]) => {
    const ipv4 = infos.filter((i) => i.family === 'IPv4').map((i) => i.address);
    const internal = infos.some((i) => i.internal);
    const flags = linuxFlags(name);
    const up = flags === undefined ? true : (flags & IFF_UP) !== 0;
    const multicastFlag = flags === undefined ? true : (flags & IFF_MULTICAST) !== 0;
    return {
      name,
      ipv4,
      up,
      internal,
      multicastCapable: !internal && ipv4.length > 0 && up && multicastFlag,
    };
  });
}

export interface MulticastProbeResult {
  /** Some mDNS packet arrived within the timeout (our own looped-back query counts). */
  received: boolean;
  /** Our own query came back through multicast loopback: this socket can send on the interface. */
  ownQuerySeen: boolean;
  /** Distinct source addresses of what arrived; any but our own proves the LAN carries multicast. */
  from: string[];
  /** Milliseconds from sending to the first packet. */
  firstPacketMs?: number;
  /** What went wrong, when the socket said (e.g. the query could not be sent). */
  error?: string;
}

/**
 * Sends one mDNS query for `_konnect._tcp.local` on the interface with this IPv4 address (all
 * interfaces when undefined), listens for timeoutMs, and reports what arrived.
 */
export function probeMulticast(
  interfaceAddress: string | undefined,
  timeoutMs: number,
  bonjourFactory: BonjourFactory = defaultBonjourFactory,
  clock: Clock = systemClock,
): Promise<MulticastProbeResult> {
  return new Promise((resolve) => {
    let finished = false;
    let browser: BrowserLike | undefined;
    let timer: Timer | undefined;
    const startedAt = clock.now();
    // A random message id tells our own looped-back query from anybody else's.
    const queryId = randomInt(1, 0x10000);
    const result: MulticastProbeResult = { received: false, ownQuerySeen: false, from: [] };
    const fail = (message: string) => {
      result.error ??= message;
    };
    const { bonjour, socket } = bonjourFactory(socketOptionsFor(interfaceAddress), (err) =>
      fail(err.message),
    );
    const finish = () => {
      if (finished) return;
      finished = true;
      if (timer) clock.clearTimeout(timer);
      browser?.stop();
      bonjour.destroy(() => resolve(result));
    };
    socket?.on('error', (err: Error) => {
      fail(err.message);
      finish();
    });
    socket?.on('warning', (err: Error) => fail(err.message));
    socket?.on('packet', (packet, rinfo) => {
      if (!result.received) result.firstPacketMs = clock.now() - startedAt;
      result.received = true;
      if (packet.type === 'query' && packet.id === queryId) result.ownQuerySeen = true;
      if (!result.from.includes(rinfo.address)) result.from.push(rinfo.address);
    });
    if (socket) {
      // Sent by hand rather than through a browser: a send error (ENETUNREACH without a multicast
      // route) is the most useful thing doctor can say, and bonjour-service drops it.
      socket.query({ id: queryId, questions: [{ name: SERVICE_DOMAIN, type: 'PTR' }] }, (err) => {
        if (err) fail(`sending the query failed: ${err.message}`);
      });
    } else {
      browser = bonjour.find({ type: SERVICE_TYPE, protocol: SERVICE_PROTOCOL });
    }
    timer = clock.setTimeout(finish, timeoutMs);
  });
}
