/**
 * A real `konnect daemon` child process for the benchmarks (the built CLI, dist/src/cli/main.js), driven
 * through its control socket; its memory is read from /proc/PID/status. Only ever bound to 127.0.0.1
 * and started with --no-mdns here (discovery benchmarks use network namespaces, see discovery-netns.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ControlClient, dataFiles } from '../../src/daemon/index.js';
import { sleep } from './time.js';

export const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface DaemonProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  client: ControlClient;
  /** The last lines the daemon wrote to stderr. */
  stderr(): string;
  /** Sends `signal` and waits (bounded) for the process to exit; SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

export async function startDaemon(
  dataDir: string,
  extraArgs: string[] = [],
  script = CLI_MAIN,
): Promise<DaemonProcess> {
  const args = [script, 'daemon', '--no-mdns', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir];
  const child = spawn(process.execPath, [...args, '--log-level', 'warn', ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = once(child, 'exit');
  const stop = async (signal: NodeJS.Signals = 'SIGINT', timeoutMs = 10_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the daemon exited with code ${child.exitCode}: ${stderr}`);
    try {
      const client = await ControlClient.connect(dataFiles(dataDir).socket, 1000);
      const status = await client.status();
      return { child, pid: child.pid!, port: status.port, client, stderr: () => stderr, stop };
    } catch (err) {
      if (Date.now() > deadline) {
        await stop('SIGKILL');
        throw new Error(
          `the daemon did not answer on its control socket: ${(err as Error).message} ${stderr}`,
        );
      }
      await sleep(50);
    }
  }
}

/** VmRSS and VmHWM (peak RSS) of a process, in MiB, from /proc/PID/status. */
export function processMemory(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/**
 * What a process's RSS is made of, in MiB, from /proc/PID/smaps_rollup: file-backed pages (the node
 * binary's code and data, shared libraries, mapped files) and anonymous ones (the V8 heaps, malloc,
 * stacks), so a figure says how much of it the node binary alone takes.
 */
export function rssBreakdown(pid: number): { fileMiB: number; anonMiB: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN);
  const anon = kib('Anonymous');
  return { fileMiB: (kib('Rss') - anon) / 1024, anonMiB: anon / 1024 };
}
