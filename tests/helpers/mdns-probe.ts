/**
 * A child process that runs one MdnsDiscovery, for the netns tests (it must never run on the host's
 * own interfaces: start it with `ip netns exec NS node dist/tests/helpers/mdns-probe.js ...`).
 *
 * Prints one JSON line per event on stdout:
 *   {"type":"started"|"found"|"lost"|"error"|"updated"|"refreshed"|"candidates"|"stopped", ...,
 *    "ms": <ms since this process started>, "at": <Date.now()>}
 * Reads one command per line on stdin: `nick NAME`, `refresh`, `candidates`, `stop`.
 * When stdin closes (the test died) it stops and exits, so no probe outlives its test.
 *
 * With --multicast-check it instead prints {"type":"interfaces"} and {"type":"multicast-check"} lines
 * from listInterfaces() and probeMulticast(--interface address, --probe-ms, default 1500 ms), then exits.
 *
 * With --capture it publishes nothing: it queries `_konnect._tcp.local` every second and prints each
 * record of every response it hears as {"type":"record","from","name","rtype","flush","ttl","data"},
 * until stdin closes. That shows what nodes put on the wire (the cache-flush bit, their A records).
 */
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  defaultBonjourFactory,
  listInterfaces,
  MdnsDiscovery,
  probeMulticast,
  resolveInterface,
  SERVICE_DOMAIN,
  type SelfAdvertisement,
} from '../../src/discovery/index.js';

const { values } = parseArgs({
  options: {
    id: { type: 'string' },
    nick: { type: 'string', default: 'probe' },
    port: { type: 'string', default: '7420' },
    version: { type: 'string', default: '1' },
    interface: { type: 'string' },
    'requery-ms': { type: 'string' },
    'expire-ms': { type: 'string' },
    'multicast-check': { type: 'boolean' },
    'probe-ms': { type: 'string', default: '1500' },
    capture: { type: 'boolean' },
  },
});

function print(type: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(
    JSON.stringify({ type, ...fields, ms: Math.round(performance.now()), at: Date.now() }) + '\n',
  );
}

if (values['multicast-check']) {
  print('interfaces', { interfaces: listInterfaces() });
  const address = values.interface ? resolveInterface(values.interface).address : undefined;
  print('multicast-check', { result: await probeMulticast(address, Number(values['probe-ms'])) });
  process.exit(0);
}

interface WireRecord {
  name: string;
  type: string;
  ttl?: number;
  flush?: boolean;
  data?: unknown;
}

if (values.capture) {
  const { bonjour, socket } = defaultBonjourFactory({}, (err) => print('error', { message: err.message }));
  if (!socket) throw new Error('no socket to capture on');
  socket.on('error', (err: Error) => print('error', { message: err.message }));
  socket.on('warning', () => undefined);
  socket.on('packet', (packet, rinfo) => {
    const response = packet as { type?: string; answers?: WireRecord[]; additionals?: WireRecord[] };
    if (response.type !== 'response') return;
    for (const r of [...(response.answers ?? []), ...(response.additionals ?? [])]) {
      const data = Buffer.isBuffer(r.data) || Array.isArray(r.data) ? undefined : r.data;
      print('record', {
        from: rinfo.address,
        name: r.name,
        rtype: r.type,
        flush: r.flush === true,
        ttl: r.ttl,
        data,
      });
    }
  });
  const query = () => socket.query({ questions: [{ name: SERVICE_DOMAIN, type: 'PTR' }] }, () => undefined);
  socket.on('ready', query);
  const timer = setInterval(query, 1000);
  process.stdin.resume();
  process.stdin.on('end', () => {
    clearInterval(timer);
    bonjour.destroy(() => process.exit(0));
  });
  // Capturing is all this process does: it ends when stdin does.
  await new Promise<never>(() => undefined);
}

const self: SelfAdvertisement = {
  id: values.id ?? '',
  nick: values.nick ?? 'probe',
  port: Number(values.port),
  version: Number(values.version),
};
const discovery = new MdnsDiscovery({
  interface: values.interface,
  requeryIntervalMs: values['requery-ms'] ? Number(values['requery-ms']) : undefined,
  expireAfterMs: values['expire-ms'] ? Number(values['expire-ms']) : undefined,
});
discovery.on('candidate:found', (candidate) => print('found', { candidate }));
discovery.on('candidate:lost', (candidate) => print('lost', { candidate }));
discovery.on('discovery:error', (err) => print('error', { message: err.message }));

let stopping = false;
async function stopAndExit(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await discovery.stop();
  print('stopped');
  process.exit(code);
}

try {
  await discovery.start(self);
  print('started', { id: self.id });
} catch (err) {
  print('error', { message: err instanceof Error ? err.message : String(err), fatal: true });
  process.exit(2);
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [command, ...rest] = line.trim().split(/\s+/);
  if (command === 'nick' && rest[0]) {
    self.nick = rest[0];
    discovery.update({ ...self });
    print('updated', { nick: self.nick });
  } else if (command === 'refresh') {
    discovery.refresh();
    print('refreshed');
  } else if (command === 'candidates') {
    print('candidates', { candidates: discovery.candidates() });
  } else if (command === 'stop') {
    void stopAndExit(0);
  } else if (command) {
    print('error', { message: `unknown command: ${line}` });
  }
});
lines.on('close', () => void stopAndExit(0));
