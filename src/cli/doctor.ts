/**
 * `konnect doctor`: a diagnosis a person can act on. For each interface, whether mDNS multicast
 * works on it; whether the running node's own advertisement is seen on the network; which peers were
 * found by which method; and for each peer found but not linked, why (refused, timed out, ...).
 */
import {
  defaultBonjourFactory,
  listInterfaces,
  parseService,
  probeMulticast,
  resolveInterface,
  SERVICE_PROTOCOL,
  SERVICE_TYPE,
  socketOptionsFor,
} from '../discovery/index.js';
import { ControlClient, dataFiles, type NodeStatus, type PeerInfo, resolveDataDir } from '../daemon/index.js';
import type { ParsedArgs } from './args.js';

const PROBE_MS = 1500;
const BROWSE_MS = 3000;

export async function runDoctor(args: ParsedArgs, out: (line: string) => void): Promise<number> {
  const dataDir = resolveDataDir(args.values['data-dir'] as string | undefined);
  const only = args.values.interface as string | undefined;
  const json = args.values.json === true;
  const report: Record<string, unknown> = { dataDir };
  const say = (line: string) => {
    if (!json) out(line);
  };

  say(`data directory: ${dataDir}`);
  let status: NodeStatus | null = null;
  let peers: PeerInfo[] = [];
  try {
    const client = await ControlClient.connect(dataFiles(dataDir).socket);
    try {
      status = await client.status();
      peers = await client.peers();
    } finally {
      await client.close();
    }
    say(
      `node: ${status.nick} (${status.fingerprint}) listening on ${status.host}:${status.port}, ${status.links} links, mDNS ${status.mdns ? 'on' : 'OFF (--no-mdns)'}`,
    );
  } catch {
    say(
      'node: no daemon running for this data directory (start one with `konnect daemon`); checking the network only',
    );
  }
  report.node = status;

  say('');
  say('interfaces:');
  let interfaces = listInterfaces();
  if (only) {
    const resolved = resolveInterface(only);
    interfaces = interfaces.filter((i) => i.name === resolved.name);
  }
  const probes: Record<string, unknown>[] = [];
  for (const iface of interfaces) {
    if (iface.internal) {
      say(`  ${iface.name}: loopback, not used for discovery`);
      continue;
    }
    if (!iface.multicastCapable) {
      say(
        `  ${iface.name}: ${iface.ipv4.length ? 'down or not multicast-capable' : 'no IPv4 address'}; not used`,
      );
      probes.push({ interface: iface.name, usable: false });
      continue;
    }
    const address = iface.ipv4[0];
    const probe = await probeMulticast(address, PROBE_MS);
    probes.push({ interface: iface.name, address, usable: true, ...probe });
    if (probe.received) {
      const others = probe.from.filter((a) => a !== address);
      const other = others.length
        ? `; packets from ${others.join(', ')}`
        : probe.ownQuerySeen
          ? ' (our own query came back: sending works; no other node answered yet)'
          : '';
      say(`  ${iface.name} ${address}: multicast works${other}`);
    } else {
      say(
        `  ${iface.name} ${address}: NO multicast packet within ${PROBE_MS} ms${probe.error ? ` (${probe.error})` : ''}`,
      );
      say(
        '    check: a firewall allowing UDP 5353, a route for 224.0.0.0/4 on this interface, Wi-Fi client isolation',
      );
    }
  }
  report.interfaces = probes;

  say('');
  const seen = await browse(only);
  report.advertisements = seen;
  say(`konnect nodes advertising on the network: ${seen.length}`);
  for (const s of seen)
    say(
      `  ${s.nick} ${s.id.slice(0, 12)} at ${s.addresses.join(' ')}${status && s.id === status.id ? '  (this node)' : ''}`,
    );
  if (status?.mdns) {
    const own = seen.some((s) => s.id === status!.id);
    say(
      own
        ? 'our own advertisement is seen: other nodes can find this one'
        : 'our own advertisement was NOT seen: other nodes cannot find this one by mDNS',
    );
    report.ownAdvertisementSeen = own;
  }

  if (status) {
    say('');
    say('peers:');
    if (peers.length === 0) say('  none known: no mDNS answers and no --peer given');
    for (const p of peers) {
      const how = p.foundBy.join(', ') || 'unknown';
      const state = p.linked
        ? `linked (${p.rttMs ?? '?'} ms)`
        : p.online
          ? 'reachable through the mesh'
          : 'not linked';
      const why = !p.linked && p.lastError ? `: ${p.lastError}` : '';
      say(`  ${p.nick} (${p.fingerprint}) found by ${how}; ${state}${why}`);
    }
    report.peers = peers;
  }
  if (json) out(JSON.stringify(report));
  return 0;
}

async function browse(
  only: string | undefined,
): Promise<{ id: string; nick: string; addresses: string[] }[]> {
  const options = socketOptionsFor(only ? resolveInterface(only).address : undefined);
  const { bonjour } = defaultBonjourFactory(options, () => undefined);
  const found = new Map<string, { id: string; nick: string; addresses: string[] }>();
  const browser = bonjour.find({ type: SERVICE_TYPE, protocol: SERVICE_PROTOCOL });
  browser.on('up', (service) => {
    const parsed = parseService(service);
    if (parsed)
      found.set(parsed.candidate.id, {
        id: parsed.candidate.id,
        nick: parsed.candidate.nick ?? '?',
        addresses: parsed.candidate.addresses,
      });
  });
  await new Promise((r) => setTimeout(r, BROWSE_MS));
  browser.stop();
  await new Promise<void>((r) => bonjour.destroy(() => r()));
  return [...found.values()];
}
