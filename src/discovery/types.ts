/**
 * The discovery contract. A discovery only reports candidates (a node id when known, and addresses);
 * the daemon decides whom to link to. StaticDiscovery (--peer) and MdnsDiscovery both implement it and
 * pass the same compliance suite (tests/unit/discovery-compliance.test.ts).
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
  /** A candidate was found or its addresses/nick changed. */
  'candidate:found': [Candidate];
  /** A hint that a candidate left (mDNS goodbye). Liveness comes from links, not from this. */
  'candidate:lost': [Candidate];
  /** A non-fatal problem the user may want to see (e.g. multicast socket error). */
  'discovery:error': [Error];
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
  /** Updates what is advertised (e.g. after a nick change). */
  update(self: SelfAdvertisement): void;
  /** Asks again now (the daemon calls this when it has few links). */
  refresh(): void;
  /** Candidates currently known. */
  candidates(): Candidate[];
}
