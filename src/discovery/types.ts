/**
 * The discovery contract. A discovery only reports candidates (a node id when known, and addresses);
 * the daemon decides whom to link to. StaticDiscovery (--peer) and MdnsDiscovery both implement it and
 * honour the same contract: tests/helpers/discovery-compliance.ts runs it in-process on StaticDiscovery,
 * and tests/netns/mdns-discovery.test.ts shows it for MdnsDiscovery inside network namespaces.
 */
import type { EventEmitter } from 'node:events';

export type DiscoveryMethod = 'static' | 'exchange' | 'mdns' | 'inbound';

export interface Candidate {
  /** Node id (hex ed25519 public key) when the method knows it; static peers do not. */
  id?: string;
  /** Addresses as `host:port` (IPv6 in brackets: `[fe80::1%eth0]:7420`). */
  addresses: string[];
  method: DiscoveryMethod;
  nick?: string;
  /** Protocol version the candidate advertises, when known. */
  version?: number;
}

export interface DiscoveryEvents {
  /**
   * A candidate was found, changed (addresses, nick, version), came back (an mDNS node restarted with
   * the same id), or was re-reported by refresh(). Emitted asynchronously, never from inside start().
   */
  'candidate:found': [Candidate];
  /**
   * A hint that a candidate left: an mDNS goodbye, or it stopped answering re-queries. Liveness comes
   * from links, not from this.
   */
  'candidate:lost': [Candidate];
  /** A non-fatal problem the user may want to see (e.g. multicast socket error). */
  'discovery:error': [Error];
}

/**
 * Where discoveries write what is worth a line in a log. A subset of the daemon's Logger, declared here
 * because discovery sits below the daemon and must not import it.
 */
export interface DiscoveryLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** What this node advertises about itself. */
export interface SelfAdvertisement {
  id: string;
  nick: string;
  port: number;
  version: number;
}

export interface Discovery extends EventEmitter<DiscoveryEvents> {
  readonly method: DiscoveryMethod;
  /** Starts advertising (where the method does) and looking. Idempotent. */
  start(self: SelfAdvertisement): Promise<void>;
  /** Stops and releases sockets; sends goodbyes where the method does. Idempotent. */
  stop(): Promise<void>;
  /** Updates what is advertised (e.g. after a nick change). Accepted at any time; the id must not change. */
  update(self: SelfAdvertisement): void;
  /**
   * Asks again now (the daemon calls this when it has few links) and re-reports, as 'candidate:found',
   * every candidate that is still there, changed or not. A no-op while stopped.
   */
  refresh(): void;
  /** Candidates currently known (empty once stopped, for methods that learn them while running). */
  candidates(): Candidate[];
}
