/**
 * `konnect doctor`: a diagnosis a person can act on. For each interface, whether mDNS multicast
 * works on it (can we send, does anybody else's packet arrive); whether multicast can be sent the way
 * a daemon without --interface sends it (through the routing table); whether the running node's own
 * advertisement is seen on the network; which peers were found by which method, and for each peer
 * found but not linked, why. It ends with a list of problems, each with what to do about it.
 *
 * It never crashes on what it finds: every probe is caught and every wait is bounded (the control
 * socket, each multicast probe, the browse, and the closing of each socket), so the whole run takes at
 * most a few seconds. A bad --interface is a usage error (exit 2); a listed problem exits 1, none 0.
 */
import { listInterfaces, resolveInterface } from '../discovery/index.js';
import {
  ControlClient,
  dataFiles,
  type NodeStatus,
  type PeerInfo,
  type PrivateRoomInfo,
  resolveDataDir,
} from '../daemon/index.js';
import { privateRoomLines } from './doctor-private-rooms.js';
import type { ParsedArgs } from './args.js';
import { sanitizeText } from '../wire/index.js';
import { diagnosePeer } from './doctor-peers.js';
import { browse, BROWSE_MS, CONTROL_MS, errorText, PROBE_MS, safeProbe, within } from './doctor-probes.js';

export { diagnosePeer, type PeerReport } from './doctor-peers.js';

export interface DoctorProblem {
  /** What is wrong, in one sentence. */
  problem: string;
  /** What to do about it. */
  fix: string;
}

export interface InterfaceReport {
  interface: string;
  address?: string;
  usable: boolean;
  /** 'ok': sends and hears others; 'alone': sends, hears nobody else; 'deaf': hears nothing; 'cannot-send'. */
  verdict?: 'ok' | 'alone' | 'cannot-send' | 'deaf';
  received?: boolean;
  ownQuerySeen?: boolean;
  from?: string[];
  /** Sources other than this interface's own address: other machines that speak mDNS. */
  others?: string[];
  firstPacketMs?: number;
  error?: string;
}

export async function runDoctor(args: ParsedArgs, out: (line: string) => void): Promise<number> {
  const dataDir = resolveDataDir(args.values['data-dir'] as string | undefined);
  const only = args.values.interface as string | undefined;
  const json = args.values.json === true;
  // A bad --interface is the user's mistake: a usage error before anything else runs.
  const chosen = only ? resolveInterface(only) : undefined;
  const problems: DoctorProblem[] = [];
  const report: Record<string, unknown> = { dataDir };
  // Nicks and errors in these lines come from peers: strip control and escape sequences from all of it.
  const say = (line: string) => {
    if (!json) out(sanitizeText(line));
  };
  const problem = (p: DoctorProblem) => problems.push(p);

  // ---- the node ----
  say(`data directory: ${dataDir}`);
  let status: NodeStatus | null = null;
  let peers: PeerInfo[] = [];
  let privateRooms: PrivateRoomInfo[] = [];
  let daemonError: string | null = null;
  try {
    const client = await ControlClient.connect(dataFiles(dataDir).socket, CONTROL_MS);
    try {
      status = await within(client.status(), CONTROL_MS, 'the daemon did not answer `status`');
      peers = await within(client.peers(), CONTROL_MS, 'the daemon did not answer `peers`');
      privateRooms = await within(client.privateRooms(), CONTROL_MS, '').catch(() => []);
    } finally {
      await within(client.close(), 1000, '').catch(() => undefined);
    }
  } catch (err) {
    daemonError = errorText(err);
  }
  if (status) {
    say(
      `node: ${status.nick} (${status.fingerprint}) listening on ${status.host}:${status.port}, ${status.links} link${status.links === 1 ? '' : 's'}, mDNS ${status.mdns ? 'on' : 'OFF (--no-mdns)'}`,
    );
  } else if (daemonError && /no daemon is listening/.test(daemonError)) {
    say('node: no daemon running for this data directory; checking the network only');
    problem({
      problem: `no konnect node runs for ${dataDir}`,
      fix: `start one: konnect daemon --data-dir ${dataDir} (or run \`konnect\` for the chat UI); give doctor the same --data-dir`,
    });
  } else {
    say(`node: the daemon did not answer (${daemonError}); checking the network only`);
    problem({
      problem: `the daemon for ${dataDir} did not answer: ${daemonError}`,
      fix: 'it may be stuck or stopping: look at its log, and restart it if it stays like this',
    });
  }
  report.node = status;
  if (status && !status.mdns) {
    problem({
      problem:
        'mDNS is off (the daemon runs with --no-mdns): it finds peers only through --peer and peer exchange',
      fix: 'start it without --no-mdns, or give it --peer HOST:PORT of one node of the mesh',
    });
  }

  // ---- interfaces, and sending the way a daemon without --interface does ----
  say('');
  say('interfaces:');
  let interfaces = listInterfaces();
  if (chosen) interfaces = interfaces.filter((i) => i.name === chosen.name);
  const candidates = interfaces.filter((i) => !i.internal && i.multicastCapable);
  const [probes, routed] = await Promise.all([
    Promise.all(candidates.map((i) => safeProbe(i.ipv4[0]))),
    chosen ? Promise.resolve(null) : safeProbe(undefined),
  ]);
  const reports: InterfaceReport[] = [];
  for (const iface of interfaces) {
    if (iface.internal) {
      say(`  ${iface.name}: loopback, not used for discovery`);
      continue;
    }
    const index = candidates.indexOf(iface);
    if (index < 0) {
      const why = !iface.ipv4.length
        ? 'no IPv4 address'
        : !iface.up
          ? 'down'
          : 'not multicast-capable (no MULTICAST flag)';
      say(`  ${iface.name}: ${why}; not used`);
      reports.push({ interface: iface.name, usable: false });
      continue;
    }
    const address = iface.ipv4[0];
    const probe = probes[index];
    const others = probe.from.filter((a) => !iface.ipv4.includes(a));
    const verdict: InterfaceReport['verdict'] = probe.error
      ? 'cannot-send'
      : !probe.received
        ? 'deaf'
        : others.length > 0
          ? 'ok'
          : probe.ownQuerySeen
            ? 'alone'
            : 'deaf';
    reports.push({ interface: iface.name, address, usable: true, verdict, ...probe, others });
    const heard = others.length ? `packets from ${others.join(', ')}` : 'no packet from any other machine';
    switch (verdict) {
      case 'ok':
        say(
          `  ${iface.name} ${address}: multicast works (${probe.ownQuerySeen ? 'our query came back; ' : ''}${heard})`,
        );
        break;
      case 'alone':
        say(
          `  ${iface.name} ${address}: sending works (our own query came back), but ${heard} within ${PROBE_MS} ms`,
        );
        break;
      case 'cannot-send':
        say(
          `  ${iface.name} ${address}: cannot send mDNS: ${probe.error}${others.length ? `; still, ${heard}` : ''}`,
        );
        problem({
          problem: `mDNS cannot be sent on ${iface.name}: ${probe.error}`,
          fix: 'check the interface (is it up, does it have its address?) and that no firewall rejects outgoing UDP to 224.0.0.251:5353',
        });
        break;
      default:
        say(`  ${iface.name} ${address}: NO multicast packet within ${PROBE_MS} ms, not even our own query`);
        problem({
          problem: `no multicast packet at all on ${iface.name} within ${PROBE_MS} ms`,
          fix: `a firewall may drop UDP 5353 (allow mDNS), or ${iface.name} has multicast disabled; check \`ip link show ${iface.name}\``,
        });
    }
  }
  if (candidates.length === 0) {
    say(`  ${chosen ? `${chosen.name} cannot carry multicast` : 'no interface can carry multicast'}`);
    problem({
      problem: chosen
        ? `${chosen.name} is down, has no IPv4 address or cannot do multicast`
        : 'no network interface is up with an IPv4 address and multicast: this machine is on no LAN',
      fix: chosen
        ? 'pick another interface (see `ip addr`)'
        : 'connect to the network (Wi-Fi or cable) and run doctor again',
    });
  }
  report.interfaces = reports;

  if (routed) {
    report.routing = routed;
    if (routed.ownQuerySeen && !routed.error) {
      say('  without --interface (routing table): sending works');
    } else if (routed.error) {
      const unreachable = /ENETUNREACH|EHOSTUNREACH|no route/i.test(routed.error);
      const working =
        reports.find((r) => r.verdict === 'ok' || r.verdict === 'alone') ?? reports.find((r) => r.usable);
      const dev = working?.interface ?? 'IFACE';
      say(`  without --interface (routing table): CANNOT send: ${routed.error}`);
      problem({
        problem: unreachable
          ? `this machine has no route for multicast (${routed.error}): a node started without --interface can hear others but cannot be found`
          : `multicast sent without --interface fails: ${routed.error}`,
        fix: unreachable
          ? `add one as root: \`ip route add 224.0.0.0/4 dev ${dev}\` (or give the machine a default route), or start konnect with --interface ${dev}`
          : `start konnect with --interface ${dev}`,
      });
    } else {
      say('  without --interface (routing table): our own query did not come back (multicast loopback off?)');
    }
  }

  // ---- who advertises ----
  say('');
  // When multicast cannot be sent through the routing table, browse on an interface that works, so the
  // query goes out and every node answers: the list is then complete, and "our own advertisement is
  // not seen" really means the daemon cannot send.
  const browseOn =
    chosen?.address ??
    (routed && !routed.ownQuerySeen
      ? reports.find((r) => r.verdict === 'ok' || r.verdict === 'alone')?.address
      : undefined);
  const seen = await browse(browseOn);
  report.advertisements = seen.nodes;
  if (seen.error) report.browseError = seen.error;
  say(
    `konnect nodes advertising on the network: ${seen.nodes.length}${seen.error ? ` (browse: ${seen.error})` : ''}`,
  );
  for (const s of seen.nodes) {
    say(
      `  ${s.nick} ${s.id.slice(0, 12)} at ${s.addresses.join(' ')}${status && s.id === status.id ? '  (this node)' : ''}`,
    );
  }
  if (status?.mdns) {
    const own = seen.nodes.some((s) => s.id === status!.id);
    report.ownAdvertisementSeen = own;
    if (own) {
      say('our own advertisement is seen: other nodes can find this one');
    } else {
      say('our own advertisement was NOT seen: other nodes cannot find this one by mDNS');
      const routeProblem = routed?.error && /ENETUNREACH|EHOSTUNREACH/i.test(routed.error);
      problem({
        problem: "this node's mDNS advertisement did not reach the network within " + `${BROWSE_MS} ms`,
        fix: routeProblem
          ? 'see the missing multicast route above: the daemon cannot send its answers'
          : "look for 'mdns:' warnings in the daemon's log; a firewall may drop outgoing UDP 5353, or the daemon was started with --interface on another interface",
      });
    }
  }

  // ---- peers ----
  // A peer that no longer advertises has left, but only a browse that saw our own advertisement can say so.
  const browseSeesAll = status?.mdns === true && seen.nodes.some((s) => s.id === status!.id);
  const advertising = (id: string) => (browseSeesAll ? seen.nodes.some((s) => s.id === id) : undefined);
  const peerReports = peers.map((p) => diagnosePeer(p, advertising(p.id)));
  if (status) {
    say('');
    say('peers:');
    if (peerReports.length === 0) say('  none known');
    for (const p of peerReports) {
      const how = p.foundBy.join(', ') || 'unknown';
      const state =
        p.state === 'linked'
          ? `linked (${p.rttMs ?? '?'} ms)`
          : p.state === 'mesh'
            ? 'not linked directly; reachable through the mesh'
            : p.state === 'gone'
              ? 'gone: offline and no longer advertising on the network'
              : 'offline, not linked';
      say(`  ${p.nick} (${p.fingerprint}) found by ${how}; ${state}${p.why ? `: ${p.why}` : ''}`);
      if (p.hint) say(`    ${p.hint}`);
      if (p.state === 'offline' && p.why && p.hint) {
        problem({
          problem: `${p.nick} (${p.fingerprint}) was found but is not linked: ${p.why}`,
          fix: p.hint,
        });
      }
    }
    report.peers = peerReports;
    if (privateRooms.length > 0) say('');
    for (const line of privateRoomLines(privateRooms)) say(line);
    report.privateRooms = privateRooms;

    const others = seen.nodes.filter((s) => s.id !== status!.id);
    const unknown = others.filter((s) => !peers.some((p) => p.id === s.id));
    if (status.mdns && unknown.length > 0) {
      problem({
        problem: `${unknown.map((s) => s.nick).join(', ')} advertise${unknown.length === 1 ? 's' : ''} on the network, but this node does not know ${unknown.length === 1 ? 'it' : 'them'}`,
        fix: "the daemon may listen on another interface (--interface) or its mDNS socket failed: look for 'mdns:' warnings in its log, or restart it",
      });
    }
    if (peers.filter((p) => p.online).length === 0) {
      const heardOthers = reports.some((r) => (r.others?.length ?? 0) > 0);
      problem(
        !status.mdns
          ? {
              problem: 'no peer online, and mDNS is off',
              fix: 'give the daemon --peer HOST:PORT of a node of the mesh (default port 7420)',
            }
          : others.length > 0
            ? {
                problem: `no peer online, although ${others.length} node${others.length === 1 ? '' : 's'} advertise on the network`,
                fix: 'see the peers above for why they are not linked (a firewall on TCP port 7420 is common)',
              }
            : {
                problem: heardOthers
                  ? 'no peer: other machines speak mDNS here, but none runs konnect'
                  : 'no peer: no other konnect node answered on any interface',
                fix:
                  'start konnect on another machine of this network; if one already runs, multicast does not pass between you ' +
                  '(Wi-Fi client isolation, a firewall dropping UDP 5353, a VPN or another subnet): link by hand with ' +
                  '--peer HOST:7420 and peer exchange does the rest',
              },
      );
    }
  }

  // ---- what to do ----
  report.problems = problems;
  say('');
  if (problems.length === 0) {
    say('no problem found');
  } else {
    say(`what to do (${problems.length}):`);
    for (const p of problems) {
      say(`  - ${p.problem}`);
      say(`    fix: ${p.fix}`);
    }
  }
  if (json) out(JSON.stringify(report));
  // Scripts and CI can tell a healthy node from one with something to fix without parsing the report.
  return problems.length === 0 ? 0 : 1;
}
