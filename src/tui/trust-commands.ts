/**
 * The trust commands (PROTOCOL.md §20): /trust accepts a new key for a nick, /verify shows the safety
 * code two people compare and, confirmed, marks the peer verified; /whois gets the trust lines here.
 * Kept apart from command-runner.ts so the trust feature is one file of the TUI.
 */
import type { PeerInfo } from '../daemon/index.js';
import type { ControllerPort } from './controller-port.js';
import type { Command } from './commands.js';
import { describeError } from './errors.js';
import { formatDateTime } from './format.js';
import { newKeyWarning } from './trust-marks.js';

/** The /whois lines about a peer's key against the key pinned for its nick. */
export function whoisTrustLines(controller: ControllerPort, peer: PeerInfo): string[] {
  const { model } = controller;
  const lines: string[] = [];
  const pinned = peer.pinnedKey ? model.fingerprintOf(peer.pinnedKey) : null;
  const since = peer.firstSeen ? ` (first seen ${formatDateTime(peer.firstSeen)})` : '';
  switch (peer.trust) {
    case 'new-key':
      lines.push(`  trust: ${newKeyWarning(peer.nick)}`);
      lines.push(
        `  its key: ${peer.fingerprint}; the key you knew as ${peer.nick}: ${pinned ?? 'unknown'}${since}`,
      );
      lines.push(
        `  anyone can take any nick: if this is really ${peer.nick} on a new machine or a new data directory, /trust ${peer.nick} accepts the new key; /verify ${peer.nick} compares safety codes first`,
      );
      break;
    case 'verified':
      lines.push(`  trust: verified ✓ on ${formatDateTime(peer.verifiedAt ?? 0)} (safety codes compared)`);
      lines.push(`  pinned key: ${pinned ?? peer.fingerprint}${since}`);
      break;
    case 'known':
      lines.push(`  trust: the key first seen with ${peer.nick}, not verified (/verify ${peer.nick})`);
      lines.push(`  pinned key: ${pinned ?? peer.fingerprint}${since}`);
      break;
    default:
      lines.push(`  trust: no key pinned for ${peer.nick} yet (pinned when it signs something)`);
  }
  return lines;
}

/**
 * The peer a trust command means. A nick shared by the old key and a new one would be ambiguous to
 * the node; the person who types `/trust bob` after a NEW KEY warning means the new one.
 */
function trustQuery(controller: ControllerPort, query: string): string {
  const lower = query.replace(/^@/, '').toLowerCase();
  const fresh = [...controller.model.peers.values()].filter(
    (p) => p.nick.toLowerCase() === lower && p.trust === 'new-key',
  );
  return fresh.length === 1 ? fresh[0].id : query;
}

export async function runTrustCommand(
  controller: ControllerPort,
  command: Extract<Command, { name: 'trust' | 'verify' }>,
  lookupError: (query: string, err: unknown) => string,
): Promise<void> {
  const { api, model } = controller;
  const say = (text: string): void => model.system(text, 'info');
  const fail = (text: string): void => model.system(text, 'error');
  const query = trustQuery(controller, command.target);
  const show = (peer: PeerInfo): PeerInfo => {
    model.upsertPeer(peer);
    return model.peers.get(peer.id) ?? peer;
  };

  if (command.name === 'trust') {
    let peer: PeerInfo;
    try {
      peer = show(await api.trustPeer(query));
    } catch (err) {
      return fail(`/trust: ${lookupError(command.target, err)}`);
    }
    say(
      `${peer.nick} ${peer.fingerprint} is now the ${peer.nick} you know (key pinned; /verify ${peer.nick} to compare safety codes)`,
    );
    return;
  }

  if (command.confirm) {
    try {
      const peer = show(await api.verifyPeer(query));
      say(`${peer.nick} ${peer.fingerprint} is verified ✓ (marked so wherever ${peer.nick} shows)`);
    } catch (err) {
      fail(`/verify: ${lookupError(command.target, err)}`);
    }
    return;
  }
  try {
    const code = await api.safetyCode(query);
    const peer = show(code.peer);
    const you = model.self?.nick ?? 'your nick';
    say(`safety code of your key (${code.ownFingerprint}) and ${peer.nick}'s (${peer.fingerprint}):`);
    say(`    ${code.code}`);
    say(
      `compare it with ${peer.nick} face to face or by phone: ${peer.nick} runs /verify ${you} and must read out the same 30 digits`,
    );
    say(
      `if every digit matches, /verify ${peer.nick} yes marks ${peer.nick} verified; if not, this is not ${peer.nick}'s key`,
    );
  } catch (err) {
    const why = describeError(err);
    fail(`/verify: ${/this node/.test(why) ? why : lookupError(command.target, err)}`);
  }
}
