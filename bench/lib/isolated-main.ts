/**
 * The child side of runIsolated: runs the one measurement named on its command line on a mesh of its
 * own, sends the result to the parent, and exits.
 */
import { measureCopies } from '../scenarios/copies.js';
import { measureLatency } from '../scenarios/latency.js';
import { searchMaxRate } from '../scenarios/max-rate.js';
import type { IsolatedTask } from './isolated.js';
import { startBenchMesh } from './mesh.js';
import { BenchContext } from './scenario.js';

async function run(task: IsolatedTask, ctx: BenchContext): Promise<unknown> {
  switch (task.kind) {
    case 'latency': {
      if (!task.normal) return await measureLatency(ctx, task.n, task.seconds);
      ctx.log(`  starting a ${task.n}-node mesh (store synchronous NORMAL)`);
      const bench = await startBenchMesh(task.n, { nodeOptions: { store: { synchronous: 'NORMAL' } } });
      try {
        return await measureLatency(ctx, task.n, task.seconds, {
          bench,
          key: 'normal',
          label: 'no flush to disk (synchronous NORMAL)',
        });
      } finally {
        await bench.destroy();
      }
    }
    case 'max-rate':
      return await searchMaxRate(ctx, task.n, task.bound, { steps: task.steps, seconds: task.seconds });
    case 'copies': {
      if (task.degree === undefined) return await measureCopies(await ctx.mesh(task.n), task.count);
      const bench = await startBenchMesh(task.n, {
        degree: task.degree,
        nodeOptions: { lazyPush: task.lazyPush },
      });
      try {
        return await measureCopies(bench, task.count);
      } finally {
        await bench.destroy();
      }
    }
  }
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2] ?? '{}') as IsolatedTask;
  const ctx = new BenchContext(false, (line) => process.stdout.write(`${line}\n`));
  let reply: unknown;
  try {
    reply = { ok: true, value: await run(task, ctx) };
  } catch (err) {
    reply = { ok: false, error: (err as Error)?.stack ?? String(err) };
  } finally {
    await ctx.releaseMeshes();
  }
  // Not process.exit(): it would cut off what is still on its way down the stdout pipe. Let the child
  // end by itself once that is written; a handle left open must not keep it (the fallback timer).
  process.send!(reply, () => {
    process.exitCode = 0;
    process.disconnect();
    setTimeout(() => process.exit(0), 5000).unref();
  });
}

void main();
