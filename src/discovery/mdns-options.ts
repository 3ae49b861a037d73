/** What an MdnsDiscovery is given: options (`init`) apart from collaborators (`components`). */
import type { Clock } from '../clock/index.js';
import type { BonjourFactory, NetworkInterfacesFn } from './mdns-socket.js';
import type { DiscoveryLogger } from './types.js';

export interface MdnsDiscoveryInit {
  /**
   * Interface to use: a name (eth0) or one of this machine's IPv4 addresses, resolved at start().
   * @default undefined: all interfaces (listen on every IPv4 interface, send where the routing table
   * sends 224.0.0.251), which is what a LAN user expects. See mdns-socket.ts for the Linux details.
   */
  interface?: string;
  /**
   * This node's own mDNS host name (the SRV target and A records).
   * @default `konnect-<first 12 hex digits of the id>.local`
   */
  hostname?: string;
  /**
   * How often to query again, with ±20 % jitter so nodes do not query in step.
   * @default 5000
   */
  requeryIntervalMs?: number;
  /**
   * How long a candidate may go without answering before it is reported lost.
   * @default 3 * requeryIntervalMs
   */
  expireAfterMs?: number;
  /** @default a logger that drops everything */
  logger?: DiscoveryLogger;
}

export interface MdnsDiscoveryComponents {
  /** Time and the re-query timer. @default systemClock */
  clock?: Clock;
  /** For the re-query jitter. @default Math.random */
  random?: () => number;
  /** Opens bonjour-service; tests pass a fake. @default defaultBonjourFactory */
  bonjourFactory?: BonjourFactory;
  /** Source of interfaces for `interface`, and of the addresses advertised. @default os.networkInterfaces */
  networkInterfaces?: NetworkInterfacesFn;
}
