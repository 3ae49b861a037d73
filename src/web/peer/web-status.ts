/** The page's NodeStatus: what `konnect status` shows of a node, for a browser peer. */
import type { NodeStatus } from '../../daemon/chat-api.js';
import { type NodeIdHex, PROTOCOL_VERSION } from '../../wire/index.js';
import type { WebIdentity } from './web-identity.js';

export interface WebStatusParts {
  identity: WebIdentity;
  nick: string;
  url: string;
  rooms: readonly string[];
  connected: boolean;
  peers: number;
  startedAt: number;
  directs: readonly NodeIdHex[];
}

export function webStatus(p: WebStatusParts): NodeStatus {
  return {
    id: p.identity.idHex,
    fingerprint: p.identity.fingerprint,
    nick: p.nick,
    // The node it links to; a page listens on no port.
    host: new URL(p.url).hostname,
    port: 0,
    rooms: [...p.rooms],
    links: p.connected ? 1 : 0,
    peers: p.peers,
    dataDir: 'indexeddb',
    version: 'web',
    protocol: PROTOCOL_VERSION,
    mdns: false,
    startedAt: p.startedAt,
    directs: [...p.directs],
    // A page serves no page of its own.
    web: null,
  };
}
