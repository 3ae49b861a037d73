/**
 * Scenario 7: the building blocks' own benchmarks: codec and crypto (bench/wire-bench.ts) and the
 * terminal UI's render time (bench/tui-bench.ts), run in this same process and reported as they come.
 * The TUI bench is loaded at run time: it belongs to the TUI work and may be absent from a checkout.
 */
import { wireBench } from '../wire-bench.js';
import { figure, type Figure } from '../lib/figures.js';
import type { BenchContext, Scenario, ScenarioOutput } from '../lib/scenario.js';
import { round } from '../lib/stats.js';
import { storeInsertCost } from '../lib/store-bench.js';

type TuiBench = (opts: { quick: boolean }) => Promise<Record<string, number>>;

/** A unit from the key's suffix (tui-bench names its figures `frameP50Ms`, `heapForScrollbackMb`, ...). */
function unitOf(key: string): string {
  if (/Ms$/.test(key)) return 'ms';
  if (/Mb$/.test(key)) return 'MiB';
  if (/Seconds$/.test(key)) return 's';
  if (/PerSecond$/.test(key)) return '/s';
  return '';
}

async function loadTuiBench(): Promise<TuiBench | string> {
  try {
    const mod = (await import(new URL('../tui-bench.js', import.meta.url).href)) as { tuiBench?: unknown };
    return typeof mod.tuiBench === 'function'
      ? (mod.tuiBench as TuiBench)
      : 'bench/tui-bench.ts exports no tuiBench';
  } catch (err) {
    return `bench/tui-bench.js could not be loaded (${(err as Error).message.split('\n')[0]})`;
  }
}

export const microScenario: Scenario = {
  id: 'micro',
  title: '7. Codec and crypto micro-benchmarks; TUI render time',
  async run(ctx: BenchContext): Promise<ScenarioOutput> {
    const figures: Figure[] = [];
    const notes: string[] = [];
    const wire = await wireBench({ quick: ctx.quick });
    for (const [name, ops] of Object.entries(wire)) {
      figures.push(figure(`wire-${slug(name)}`, `wire: ${name}`, Math.round(ops), 'ops/s'));
    }
    // What storing a message costs: the event loop's share (the commit) and the time until it is on
    // disk (FULL: the WAL flush on the thread pool; NORMAL: never flushed by the store).
    const messages = ctx.quick ? 200 : 2000;
    for (const [synchronous, batch] of [
      ['FULL', 1],
      ['NORMAL', 1],
      ['FULL', 100],
    ] as const) {
      const cost = await storeInsertCost(synchronous, batch, messages);
      const what = `${batch === 1 ? '1 message' : `${batch} messages`} per transaction, ${synchronous}`;
      const key = `store-${synchronous.toLowerCase()}-batch-${batch}`;
      figures.push(
        figure(`${key}-loop`, `store: event loop per message, ${what}`, round(cost.loopUs, 1), 'µs/msg'),
      );
      if (synchronous === 'FULL') {
        figures.push(
          figure(
            `${key}-durable`,
            `store: until on disk, per message, ${what}`,
            round(cost.durableUs, 1),
            'µs/msg',
          ),
        );
      }
    }
    const tui = await loadTuiBench();
    if (typeof tui === 'string') {
      notes.push(`TUI render time not measured: ${tui}`);
    } else {
      for (const [name, value] of Object.entries(await tui({ quick: ctx.quick }))) {
        figures.push(figure(`tui-${slug(name)}`, `tui: ${name}`, round(value), unitOf(name)));
      }
    }
    return { figures, notes };
  },
};

function slug(name: string): string {
  return name
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
