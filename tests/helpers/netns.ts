/**
 * A throwaway Linux test network made of network namespaces, so that mDNS and multicast tests never
 * touch this machine's own interfaces. One namespace holds a bridge; each node namespace holds one end
 * of a veth pair. The pair is created INSIDE the node namespace and its other end is moved straight
 * into the bridge namespace, so nothing ever appears in the host's namespace, even for a moment.
 *
 * Used by the discovery netns tests (mdns-probe children) and by the daemon netns tests (real
 * `konnect daemon` processes): spawnIn() is general, and destroy() is idempotent and also runs on
 * process 'exit', so a failing test still removes its namespaces and the processes inside them.
 */
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface TestNetworkOptions {
  /** Number of node namespaces. */
  nodes: number;
  /** Name prefix; the pid and a counter are appended, so concurrent runs never collide. */
  prefix: string;
  /**
   * First three octets of the private /24 used inside the namespaces. It exists only there.
   * @default '10.77.0'
   */
  subnet?: string;
}

export interface TestNamespace {
  /** Namespace name, for `ip netns exec`. */
  name: string;
  /** IPv4 address of veth0 inside it. */
  address: string;
  /** Interface name inside the namespace. */
  interface: 'veth0';
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface TestNetwork {
  namespaces: TestNamespace[];
  /** Name of the namespace that holds the bridge. */
  bridgeNamespace: string;
  /** Runs a command to completion inside a namespace (never rejects; look at `code`). */
  exec(ns: string, cmd: string, args?: string[], options?: { timeoutMs?: number }): Promise<ExecResult>;
  /** Starts a long-running command inside a namespace; destroy() kills it by pid. */
  spawnIn(ns: string, cmd: string, args?: string[], options?: SpawnOptions): ChildProcess;
  /** Kills tracked children and every process left in the namespaces, then deletes them. Idempotent. */
  destroy(): void;
}

export interface NetnsAvailability {
  ok: boolean;
  why?: string;
}

let counter = 0;

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryIp(args: string[]): void {
  try {
    ip(args);
  } catch {
    // Cleanup path: the object may already be gone.
  }
}

/** Whether this process can build test networks: Linux, root, and a working `ip netns`. */
export function netnsAvailable(): NetnsAvailability {
  if (process.platform !== 'linux')
    return { ok: false, why: `network namespaces need Linux (this is ${process.platform})` };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { ok: false, why: 'network namespaces need root (run the netns tests as root or in CI)' };
  }
  // Creating and deleting a namespace is the only check that proves both `ip` and the kernel agree.
  const probe = `konnect-check-${process.pid}-${counter++}`;
  try {
    ip(['netns', 'add', probe]);
  } catch (err) {
    const detail =
      err instanceof Error && 'stderr' in err
        ? String((err as { stderr: unknown }).stderr).trim()
        : String(err);
    return { ok: false, why: `\`ip netns add\` failed: ${detail || 'is iproute2 installed?'}` };
  }
  tryIp(['netns', 'del', probe]);
  return { ok: true };
}

function linkNames(ns: string): string[] {
  // `ip -o link` prints "2: veth0@if5: <...>"; keep the name before any '@'.
  return ip(['-n', ns, '-o', 'link', 'show'])
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(':')[1].trim().split('@')[0]);
}

function hostLinkNames(): string[] {
  return ip(['-o', 'link', 'show'])
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(':')[1].trim().split('@')[0]);
}

export function createTestNetwork(options: TestNetworkOptions): TestNetwork {
  const subnet = options.subnet ?? '10.77.0';
  if (options.nodes < 1 || options.nodes > 200) throw new Error(`nodes must be 1..200, got ${options.nodes}`);
  const tag = `${options.prefix}-${process.pid}-${counter++}`;
  const bridgeNamespace = `${tag}-br`;
  const created: string[] = [];
  const children = new Set<ChildProcess>();
  let destroyed = false;

  const destroy = (): void => {
    if (destroyed) return;
    destroyed = true;
    process.removeListener('exit', destroy);
    for (const child of children) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    children.clear();
    // Anything else still inside our namespaces was started by this test (e.g. a grandchild).
    for (const ns of created) {
      let pids: string[] = [];
      try {
        pids = ip(['netns', 'pids', ns]).split(/\s+/).filter(Boolean);
      } catch {
        // Namespace already gone.
      }
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    // Node namespaces first (their veth pairs die with them), then the bridge.
    for (const ns of [...created].reverse()) tryIp(['netns', 'del', ns]);
    created.length = 0;
  };
  process.on('exit', destroy);

  const namespaces: TestNamespace[] = [];
  const peerNames: string[] = [];
  try {
    ip(['netns', 'add', bridgeNamespace]);
    created.push(bridgeNamespace);
    ip(['-n', bridgeNamespace, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', bridgeNamespace, 'link', 'set', 'br0', 'up']);

    for (let i = 0; i < options.nodes; i++) {
      const name = `${tag}-n${i}`;
      const address = `${subnet}.${i + 1}`;
      // Interface names are at most 15 bytes; make the bridge-side name unique to this run so the
      // host check below can tell it apart from anything else.
      const peer = `k${process.pid % 100000}x${counter}n${i}`.slice(0, 15);
      peerNames.push(peer);
      ip(['netns', 'add', name]);
      created.push(name);
      ip(['-n', name, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', peer]);
      ip(['-n', name, 'link', 'set', peer, 'netns', bridgeNamespace]);
      ip(['-n', bridgeNamespace, 'link', 'set', peer, 'master', 'br0']);
      ip(['-n', bridgeNamespace, 'link', 'set', peer, 'up']);
      ip(['-n', name, 'addr', 'add', `${address}/24`, 'dev', 'veth0']);
      ip(['-n', name, 'link', 'set', 'lo', 'up']);
      ip(['-n', name, 'link', 'set', 'veth0', 'up']);
      // Without a route for multicast, sends to 224.0.0.251 fail silently (no default route here).
      ip(['-n', name, 'route', 'add', '224.0.0.0/4', 'dev', 'veth0']);
      namespaces.push({ name, address, interface: 'veth0' });
    }

    for (const ns of namespaces) {
      const links = linkNames(ns.name).sort();
      if (links.join(',') !== 'lo,veth0') {
        throw new Error(`namespace ${ns.name} holds [${links.join(', ')}], expected only lo and veth0`);
      }
    }
    const leaked = hostLinkNames().filter((n) => peerNames.includes(n));
    if (leaked.length > 0) throw new Error(`test links leaked into the host namespace: ${leaked.join(', ')}`);
  } catch (err) {
    destroy();
    throw err;
  }

  const known = new Set(created);
  const checkNs = (ns: string): void => {
    if (destroyed) throw new Error('test network already destroyed');
    if (!known.has(ns)) throw new Error(`unknown namespace ${ns}: not part of this test network`);
  };

  const spawnIn = (
    ns: string,
    cmd: string,
    args: string[] = [],
    spawnOptions: SpawnOptions = {},
  ): ChildProcess => {
    checkNs(ns);
    // `ip netns exec` execs the command in place, so child.pid is the command's own pid.
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: 'pipe', ...spawnOptions });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };

  const exec = (ns: string, cmd: string, args: string[] = [], execOptions: { timeoutMs?: number } = {}) => {
    checkNs(ns);
    return new Promise<ExecResult>((resolve) => {
      const child = execFile(
        'ip',
        ['netns', 'exec', ns, cmd, ...args],
        { encoding: 'utf8', timeout: execOptions.timeoutMs ?? 30_000, killSignal: 'SIGKILL' },
        (err, stdout, stderr) => {
          children.delete(child);
          const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
          resolve({ code, stdout, stderr });
        },
      );
      children.add(child);
    });
  };

  return { namespaces, bridgeNamespace, exec, spawnIn, destroy };
}
