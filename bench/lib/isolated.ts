/**
 * Runs one in-process mesh measurement in a fresh Node process (forked with this one's flags, so
 * `--cpu-prof` profiles each child), and returns what it measured.
 *
 * Why: in one long process, a mesh measured after another had been started and stopped was measured
 * on that one's leftovers (its heap, the collector's state). The same 50-node latency measurement on
 * fresh meshes, one after the other in one process, gave p99 16.4 then 24.5 ms in one run and 15.3,
 * 17.0, 37.3 ms in another (BENCHMARKS.md). A node runs in a process of its own; its figures should
 * not carry the previous figure's garbage.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type IsolatedTask =
  | { kind: 'latency'; n: number; seconds: number; normal: boolean }
  | { kind: 'max-rate'; n: number; bound: number; steps: number; seconds: number }
  | { kind: 'copies'; n: number; count: number; degree?: number; lazyPush?: boolean };

type Reply = { ok: true; value: unknown } | { ok: false; error: string };

const CHILD = fileURLToPath(new URL('./isolated-main.js', import.meta.url));

export function runIsolated<T>(
  task: IsolatedTask,
  log: (line: string) => void,
  timeoutMs = 15 * 60_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = fork(CHILD, [JSON.stringify(task)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let reply: Reply | undefined;
    let stderr = '';
    let pending = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) log(line);
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('message', (m) => {
      reply = m as Reply;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // 'close', not 'exit': it comes after the child's stdout is read to its end, so no line is lost.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pending) log(pending);
      if (reply?.ok) resolve(reply.value as T);
      else {
        const why = reply && !reply.ok ? reply.error : `exited with ${signal ?? code}`;
        const timedOut = signal === 'SIGKILL' && !reply ? ` (killed after ${timeoutMs / 1000} s)` : '';
        reject(new Error(`isolated ${task.kind} measurement failed${timedOut}: ${why}\n${stderr}`));
      }
    });
  });
}
