/**
 * TUI benchmark: the App over a fake node holding 100,000 messages (all loaded into the scrollback),
 * fed 100 messages a second, then paged back with PgUp. Prints the time spent per frame: React's render
 * and commit (Profiler actualDuration), Ink's layout-to-text (its onRender renderTime), and their sum per
 * written frame; plus how late a 10 ms timer fires meanwhile (whether the UI would stutter).
 *
 *   npx tsc -p . && node dist/bench/tui-bench.js [--quick]
 */
import { render } from 'ink';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import React, { Profiler } from 'react';
import { Tui } from '../src/tui/index.js';
import { FakeChatApi, makePeer, nodeIdFor } from '../tests/helpers/fake-chat-api.js';

const SCROLLBACK = 100_000;
const RATE_PER_SECOND = 100;

/** A terminal that swallows output (counting it) and has a size. */
class BenchStdout extends EventEmitter {
  readonly isTTY = true;
  readonly columns = 120;
  readonly rows = 40;
  bytes = 0;
  write(chunk: string): boolean {
    this.bytes += chunk.length;
    return true;
  }
}

/** A terminal's input side that accepts raw mode and is fed by write(). */
class BenchStdin extends EventEmitter {
  readonly isTTY = true;
  private readonly pending: string[] = [];
  setRawMode(): this {
    return this;
  }
  setEncoding(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  read(): string | null {
    return this.pending.shift() ?? null;
  }
  write(data: string): void {
    this.pending.push(data);
    this.emit('readable');
  }
}

function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

async function until(check: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`tui-bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function tuiBench(opts: { quick: boolean }): Promise<Record<string, number>> {
  const seconds = opts.quick ? 1 : 5;
  const peers = Array.from({ length: 20 }, (_, i) =>
    makePeer(`peer${i}`, { linked: i < 6, rttMs: i < 6 ? 2 + i : null }),
  );
  const api = new FakeChatApi({ nick: 'me', rooms: ['general'], peers });
  api.seedRoom(
    'general',
    SCROLLBACK,
    (i) =>
      `message ${i} ${i % 7 === 0 ? 'with a somewhat longer text that wraps onto a second row of the pane when the terminal is narrow' : ''}`,
  );

  let frames = 0;
  // Frames drawn when the history page was handed over: the next one shows it.
  let framesAtHistory = -1;
  const history = api.history.bind(api);
  api.history = async (query) => {
    const page = await history(query);
    framesAtHistory = frames;
    return page;
  };

  const stdout = new BenchStdout();
  const stdin = new BenchStdin();
  let reactSamples: number[] = [];
  let inkSamples: number[] = [];
  let frameSamples: number[] = [];
  let pendingReact = 0;

  const started = performance.now();
  const heapBefore = process.memoryUsage().heapUsed;
  const instance = render(
    React.createElement(
      Profiler,
      {
        id: 'tui',
        onRender: (_id: string, _phase: string, actualDuration: number) => {
          reactSamples.push(actualDuration);
          pendingReact += actualDuration;
        },
      },
      React.createElement(Tui, { api, room: 'general', historyPage: SCROLLBACK, bell: () => {} }),
    ),
    {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      exitOnCtrlC: false,
      patchConsole: false,
      // As runTui: the model coalesces to 30 redraws a second, Ink gets headroom.
      maxFps: 60,
      onRender: ({ renderTime }) => {
        frames++;
        inkSamples.push(renderTime);
        frameSamples.push(pendingReact + renderTime);
        pendingReact = 0;
      },
    },
  );

  // Initial load: all 100,000 messages into the scrollback, then a frame that shows them.
  await until(() => framesAtHistory >= 0 && frames > framesAtHistory, 'the first frame after the history');
  const initialLoadMs = performance.now() - started;
  const heapAfterLoad = process.memoryUsage().heapUsed;

  // Steady state: 100 messages a second from a few peers.
  reactSamples = [];
  inkSamples = [];
  frameSamples = [];
  const framesBeforeFeed = frames;
  const total = RATE_PER_SECOND * seconds;
  const lags: number[] = [];
  const feedStarted = performance.now();
  let fed = 0;
  await new Promise<void>((resolve) => {
    const periodMs = 1000 / RATE_PER_SECOND;
    let expected = performance.now() + periodMs;
    const tick = (): void => {
      const now = performance.now();
      lags.push(Math.max(0, now - expected));
      // Catch up when the timer fired late, so the rate holds.
      while (fed < total && now - feedStarted >= fed * periodMs) {
        const nick = `peer${fed % 20}`;
        api.deliver({
          room: 'general',
          from: nodeIdFor(nick),
          nick,
          text: `live ${fed} hello me and everyone`,
        });
        fed++;
      }
      if (fed >= total) return resolve();
      expected += periodMs;
      setTimeout(tick, Math.max(0, expected - performance.now()));
    };
    setTimeout(tick, periodMs);
  });
  const feedMs = performance.now() - feedStarted;
  const framesAfterFeed = frames;
  await until(() => frames > framesAfterFeed, 'the frame after the last message');
  const feedFrames = frames - framesBeforeFeed;
  const feed = { react: reactSamples, ink: inkSamples, frame: frameSamples };

  // Scrolling back: 30 pages up, each followed by its frame.
  reactSamples = [];
  inkSamples = [];
  frameSamples = [];
  for (let i = 0; i < 30; i++) {
    const before = frames;
    stdin.write('\u001B[5~');
    await until(() => frames > before, 'a frame after PgUp');
  }
  const scroll = { frame: frameSamples };

  instance.unmount();
  await instance.waitUntilExit();
  instance.cleanup();

  return {
    scrollbackMessages: SCROLLBACK,
    messagesFed: fed,
    feedSeconds: round(feedMs / 1000),
    initialLoadMs: round(initialLoadMs),
    heapForScrollbackMb: round((heapAfterLoad - heapBefore) / 2 ** 20),
    framesDuringFeed: feedFrames,
    framesPerSecond: round(feedFrames / (feedMs / 1000)),
    frameP50Ms: round(percentile(feed.frame, 50)),
    frameP99Ms: round(percentile(feed.frame, 99)),
    reactRenderP50Ms: round(percentile(feed.react, 50)),
    reactRenderP99Ms: round(percentile(feed.react, 99)),
    inkOutputP50Ms: round(percentile(feed.ink, 50)),
    inkOutputP99Ms: round(percentile(feed.ink, 99)),
    timerLagP50Ms: round(percentile(lags, 50)),
    timerLagP99Ms: round(percentile(lags, 99)),
    scrollFrameP50Ms: round(percentile(scroll.frame, 50)),
    scrollFrameP99Ms: round(percentile(scroll.frame, 99)),
    bytesPerFrame: round(stdout.bytes / Math.max(1, frames)),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const results = await tuiBench({ quick });
  console.log(`tui-bench${quick ? ' (quick)' : ''}`);
  for (const [name, value] of Object.entries(results)) console.log(`  ${name.padEnd(22)} ${value}`);
}
