/** src/discovery: finding candidates to link to (mDNS, --peer). It reports; the daemon decides. */
export type {
  Candidate,
  Discovery,
  DiscoveryEvents,
  DiscoveryLogger,
  DiscoveryMethod,
  SelfAdvertisement,
} from './types.js';
export { StaticDiscovery } from './static-discovery.js';
export { parsePeerAddress, type PeerAddress } from './peer-address.js';
export {
  MdnsDiscovery,
  DEFAULT_REQUERY_INTERVAL_MS,
  type MdnsDiscoveryInit,
  type MdnsDiscoveryComponents,
} from './mdns-discovery.js';
export {
  SERVICE_DOMAIN,
  SERVICE_TYPE,
  SERVICE_PROTOCOL,
  MAX_DNS_LABEL_BYTES,
  MAX_TXT_STRING_BYTES,
  instanceName,
  defaultHostName,
  buildTxt,
  parseService,
  markCacheFlush,
  advertisedAddresses,
  type BrowsedService,
  type MdnsRecord,
  type KonnectTxt,
} from './mdns-records.js';
export {
  defaultBonjourFactory,
  resolveInterface,
  socketOptionsFor,
  type BonjourFactory,
  type BonjourLike,
  type BrowserLike,
  type MdnsSession,
  type MdnsSocketLike,
  type MdnsSocketOptions,
  type MdnsQuery,
  type PublishConfig,
  type ResolvedInterface,
} from './mdns-socket.js';
export {
  listInterfaces,
  probeMulticast,
  type InterfaceSummary,
  type MulticastProbeResult,
} from './interfaces.js';
