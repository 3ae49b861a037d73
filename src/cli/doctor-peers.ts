/** `konnect doctor` on one peer: what its state and last error mean, and what to do about it. */
import type { PeerInfo } from '../daemon/index.js';

export interface PeerReport extends PeerInfo {
  /**
   * 'linked', 'mesh' (online, reached through other links), 'offline', or 'gone': offline, not a
   * --peer, and no longer advertising while our own advertisement is seen (it left; nothing to fix).
   */
  state: 'linked' | 'mesh' | 'offline' | 'gone';
  /** Why it is not linked, when known (the last dial or link error). */
  why?: string;
  /** What that error usually means and what to do. */
  hint?: string;
}

/**
 * What a peer's state and last error mean, in words. `advertising`: whether it is seen on the network
 * now, when that is known. Pure, so it is easy to test and extend.
 */
export function diagnosePeer(p: PeerInfo, advertising?: boolean): PeerReport {
  const gone = !p.linked && !p.online && advertising === false && !p.foundBy.includes('static');
  const state: PeerReport['state'] = p.linked ? 'linked' : p.online ? 'mesh' : 'offline';
  if (state === 'linked') return { ...p, state };
  if (gone) {
    // Not a problem to fix: it stopped or left. Its last error is kept, for whoever expected it to run.
    return {
      ...p,
      state: 'gone',
      ...(p.lastError ? { why: p.lastError } : {}),
      hint: 'it no longer advertises on the network: it was stopped, crashed or left; it is linked again when it is back',
    };
  }
  const address = p.addresses[0] ?? 'its address';
  const port = /:(\d+)$/.exec(address)?.[1] ?? '7420';
  const error = p.lastError ?? '';
  let hint: string | undefined;
  if (/refused/i.test(error)) {
    hint = `nothing accepts connections on ${address}: konnect is not running there (stopped or crashed), listens on another port, or a firewall rejects TCP ${port}`;
  } else if (/timed out|HANDSHAKE_TIMEOUT/i.test(error)) {
    hint = `no answer from ${address}: a firewall drops TCP ${port}, the machine is asleep, or that address is not reachable from here`;
  } else if (/unreachable/i.test(error)) {
    hint = `no route to ${address}: it is on a network this machine cannot reach (a VPN, a container bridge, another subnet); --interface picks the LAN one`;
  } else if (/VERSION_MISMATCH|protocol/i.test(error)) {
    hint = 'it speaks another konnect protocol version: update konnect on the older side';
  } else if (/HANDSHAKE_FAILED|prove/i.test(error)) {
    hint =
      'the handshake failed: the other side did not prove it holds its key (not konnect, or tampered with)';
  } else if (/PEER_TIMEOUT|nothing heard/i.test(error)) {
    hint = 'the link went silent: the peer froze, was killed, or the network drops packets between you';
  } else if (/LINK_LIMIT/i.test(error)) {
    hint = 'it holds its maximum number of links; it stays reachable through the mesh';
  } else if (/host not found/i.test(error)) {
    hint = 'the host name does not resolve: use an IP address';
  } else if (/connection closed|ECONNRESET|reset/i.test(error)) {
    hint = 'the connection was cut: the peer stopped or crashed, or a middlebox closed it';
  } else if (error) {
    hint = undefined;
  } else if (state === 'mesh') {
    hint = 'normal: each node links to a bounded number of others, and messages reach it through them';
  } else {
    hint = 'it left or has not been heard from recently; it will be linked when it is back';
  }
  return { ...p, state, ...(error ? { why: error } : {}), ...(hint ? { hint } : {}) };
}
