/**
 * Runs the built CLI (dist/src/cli/main.js, made by `npm test`'s tsc step) as real processes: one-shot
 * commands with a bounded run time, and daemons that are tracked and killed (by PID) on cleanup.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Works from tests/helpers (vitest) and from dist/tests/helpers (compiled). */
export const repoRoot = [resolve(here, '..', '..'), resolve(here, '..', '..', '..')].find((d) =>
  existsSync(join(d, 'package.json')),
)!;
export const cliPath = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; prefix?: string[] } = {},
): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const [cmd, ...pre] = options.prefix ?? [process.execPath];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, [...pre, ...(options.prefix ? [process.execPath] : []), cliPath, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`konnect ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** One line the daemon wrote to stderr (its log), with the time it reached the test process. */
export interface LogLine {
  at: number;
  line: string;
}

/** `ip netns exec NS`: a `prefix` for runCli and DaemonProcess that runs the command inside a namespace. */
export function netnsPrefix(ns: string): string[] {
  return ['ip', 'netns', 'exec', ns];
}

export class DaemonProcess {
  readonly child: ChildProcess;
  stderr = '';
  exited: Promise<number | null>;
  /** Date.now() when the process was spawned. */
  readonly startedAt = Date.now();
  /** The daemon's stderr split into lines, each stamped with its arrival time. */
  readonly logLines: LogLine[] = [];
  private partial = '';

  constructor(
    readonly dataDir: string,
    args: string[],
    prefix: string[] = [],
  ) {
    const [cmd, ...pre] = prefix.length ? prefix : [process.execPath];
    this.child = spawn(
      cmd,
      [
        ...pre,
        ...(prefix.length ? [process.execPath] : []),
        cliPath,
        'daemon',
        '--data-dir',
        dataDir,
        ...args,
      ],
      {
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    this.child.stderr!.on('data', (d) => {
      const text = String(d);
      this.stderr += text;
      const at = Date.now();
      const parts = (this.partial + text).split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) this.logLines.push({ at, line });
    });
    this.exited = new Promise((r) => this.child.on('exit', (code) => r(code)));
    running.add(this);
    this.exited.then(() => running.delete(this));
  }

  /** Waits until `konnect status` answers; returns its JSON. */
  async ready(timeoutMs = 20_000): Promise<{ id: string; port: number; fingerprint: string; nick: string }> {
    return waitFor(
      async () => {
        if (this.child.exitCode !== null)
          throw new Error(`daemon exited with ${this.child.exitCode}: ${this.stderr}`);
        const r = await runCli(['status', '--json', '--data-dir', this.dataDir]);
        return r.code === 0 ? JSON.parse(r.stdout) : null;
      },
      `the daemon in ${this.dataDir} to answer status`,
      { timeoutMs, intervalMs: 100 },
    );
  }

  /** The process id (under `ip netns exec` it is the daemon's own: ip execs in place). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Log lines matching `pattern`, from index `from` of logLines on. */
  logMatches(pattern: RegExp, from = 0): LogLine[] {
    return this.logLines.slice(from).filter((l) => pattern.test(l.line));
  }

  /** Waits (bounded) for a log line matching `pattern` after index `from`. */
  waitForLog(pattern: RegExp, what: string, { from = 0, timeoutMs = 15_000 } = {}): Promise<LogLine> {
    return waitFor(
      () => {
        const hit = this.logMatches(pattern, from)[0];
        if (hit) return hit;
        if (this.child.exitCode !== null || this.child.signalCode !== null)
          throw new Error(`daemon exited (${this.child.exitCode ?? this.child.signalCode})`);
        return undefined;
      },
      `${what} (daemon log tail: ${this.stderr.slice(-800)})`,
      { timeoutMs, intervalMs: 20 },
    );
  }

  async stop(signal: NodeJS.Signals = 'SIGINT', timeoutMs = 10_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      this.exited,
      new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error(`daemon did not exit after ${signal}`)), timeoutMs)),
      ),
    ]).finally(() => clearTimeout(timer));
    return code;
  }
}

const running = new Set<DaemonProcess>();

/** Kills every daemon these helpers started that is still running (by PID). */
export async function killAllDaemons(): Promise<void> {
  await Promise.allSettled([...running].map((d) => d.stop('SIGKILL')));
}
process.on('exit', () => {
  for (const d of running) d.child.kill('SIGKILL');
});
