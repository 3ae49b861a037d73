/**
 * Files (issue 19, PROTOCOL.md §21), side by side in one run:
 * (a) time to move a 256 MiB file between two nodes on loopback (from /get to the file saved) against
 *     a plain node:net TCP copy of the same bytes from disk to disk: the ratio is the figure;
 * (b) bytes the origin uploads when five nodes fetch the same file at once (swarming: target under 2×
 *     the file size, where one copy to each would be 5×), read from the origin's FileServer;
 * (c) chat latency p99 at 100 msg/s between the two nodes, without a transfer and during one;
 * (d) peak RSS of the two real `konnect daemon`s of a 1 GiB transfer, the receiving one and the sending
 *     one (target under 120 MB each: both stream from and to disk), sampled from /proc and its VmHWM;
 *     the sender's peak covers making the offer too (reading and hashing the whole file).
 * (a)-(c) run in-process on one thread (every node's work shares it). Files live in a temp dir that is
 * removed after; --quick shrinks every size.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ChatEvent, FileInfo, KonnectNode } from '../../src/daemon/index.js';
import { filesOf } from '../../src/daemon/files/index.js';
import { TestMesh } from '../../tests/helpers/mesh.js';
import { writeRandomFile } from '../../tests/helpers/files.js';
import { chatText } from '../lib/chat.js';
import { processMemory, startDaemon } from '../lib/daemon-process.js';
import { atMost, figure, type Figure } from '../lib/figures.js';
import type { BenchContext, Scenario, ScenarioOutput } from '../lib/scenario.js';
import { percentile, round } from '../lib/stats.js';
import { paced, sleep, until } from '../lib/time.js';

const MiB = 1024 * 1024;
const CHAT_RATE = 100;
/** Bound on any one transfer: a stalled one is a failure, not a hang. */
const TRANSFER_BOUND_MS = 120_000;
/** The 1 GiB transfer between daemons: at load 15 on 2 cores it moves at ~8 MiB/s. */
const DAEMON_TRANSFER_BOUND_MS = 240_000;

const all = (n: number) => Array.from({ length: n }, (_, j) => j);

/** Resolves with the file once `node` has it saved; rejects after the bound. */
function saved(node: KonnectNode, id: string, timeoutMs = TRANSFER_BOUND_MS): Promise<FileInfo> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      node.off('event', listener);
      reject(new Error(`no transfer of ${id.slice(0, 12)} finished within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const listener = (e: ChatEvent) => {
      if (e.type !== 'file' || e.file.id !== id) return;
      if (e.file.state === 'done' || e.file.state === 'failed') {
        clearTimeout(timer);
        node.off('event', listener);
        if (e.file.state === 'done') resolve(e.file);
        else reject(new Error(`the transfer failed: ${e.file.error}`));
      }
    };
    node.on('event', listener);
  });
}

/** Waits until `node` knows the offer `id`. */
async function offered(node: KonnectNode, id: string): Promise<void> {
  if (
    !(await until(
      () =>
        filesOf(node)
          .list()
          .some((f) => f.id === id),
      { timeoutMs: 30_000, intervalMs: 20 },
    ))
  )
    throw new Error(`the offer ${id.slice(0, 12)} did not arrive`);
}

/** Seconds to copy `path` over a plain node:net connection on loopback into `dest` (disk to disk). */
async function tcpCopySeconds(path: string, dest: string): Promise<number> {
  const server = createServer((socket) => createReadStream(path).pipe(socket));
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, r));
  const port = (server.address() as { port: number }).port;
  try {
    const start = performance.now();
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      const out = createWriteStream(dest);
      socket.pipe(out);
      out.on('finish', resolve);
      socket.on('error', reject);
      out.on('error', reject);
    });
    return (performance.now() - start) / 1000;
  } finally {
    server.close();
  }
}

/** Chat latencies (ms) of messages from a to b at 100/s for `seconds`, or while `keepGoing` holds. */
async function chatLatencies(a: KonnectNode, b: KonnectNode, seconds: number, keepGoing = () => true) {
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  const listener = (e: ChatEvent) => {
    if (e.type !== 'message') return;
    const at = sent.get(e.message.id);
    if (at !== undefined) latencies.push(performance.now() - at);
  };
  b.on('event', listener);
  let sequence = 0;
  try {
    await paced(Math.round(CHAT_RATE * seconds), CHAT_RATE, () => {
      if (!keepGoing()) return;
      const at = performance.now();
      sent.set(a.send({ kind: 'room', room: 'lobby' }, chatText(sequence++)).id, at);
    });
    await until(() => latencies.length >= sent.size, { timeoutMs: 10_000 });
  } finally {
    b.off('event', listener);
  }
  // A message that never came waited at least the bound: it counts at that floor, not dropped.
  return {
    latencies: [...latencies, ...Array<number>(sent.size - latencies.length).fill(10_000)],
    sent: sent.size,
  };
}

async function twoNodes(ctx: BenchContext, dir: string, figures: Figure[], notes: string[]): Promise<void> {
  const size = (ctx.quick ? 16 : 256) * MiB;
  const duringSize = (ctx.quick ? 16 : 128) * MiB;
  const mesh = await TestMesh.start(2, {
    record: false,
    nodeOptions: (i) => ({ files: { downloadDir: join(dir, `down-${i}`), autoAcceptBytes: 0 } }),
  });
  try {
    await mesh.waitConnected(60_000);
    const [a, b] = mesh.nodes.map((m) => m.node);
    // (c) first half: chat alone.
    const quiet = await chatLatencies(a, b, ctx.quick ? 1 : 3);

    // (a) the file between the two nodes, against a TCP copy of the same bytes.
    const source = join(dir, 'two.bin');
    writeRandomFile(source, size);
    const offer = await filesOf(a).send({ kind: 'room', room: 'lobby' }, source);
    await offered(b, offer.id);
    const started = performance.now();
    const done = saved(b, offer.id);
    filesOf(b).get(offer.id);
    await done;
    const konnectSeconds = (performance.now() - started) / 1000;
    const tcpSeconds = await tcpCopySeconds(source, join(dir, 'tcp-copy.bin'));
    rmSync(join(dir, 'tcp-copy.bin'), { force: true });
    const label = `${size / MiB} MiB`;
    figures.push(
      figure(
        'file-2-nodes-s',
        `${label} between two nodes (from /get to saved)`,
        round(konnectSeconds, 2),
        's',
      ),
      figure('file-tcp-copy-s', `${label} by a plain node:net copy, disk to disk`, round(tcpSeconds, 2), 's'),
      figure('file-2-nodes-ratio', 'two nodes ÷ plain TCP copy', round(konnectSeconds / tcpSeconds, 1), '×'),
      figure('file-2-nodes-rate', 'two nodes, throughput', round(size / MiB / konnectSeconds, 1), 'MiB/s'),
    );

    // (c) second half: the same chat while a second file moves.
    const second = join(dir, 'during.bin');
    writeRandomFile(second, duringSize);
    const during = await filesOf(a).send({ kind: 'room', room: 'lobby' }, second);
    await offered(b, during.id);
    const moving = saved(b, during.id);
    let fetching = true;
    void moving.then(
      () => (fetching = false),
      () => (fetching = false),
    );
    filesOf(b).get(during.id);
    const busy = await chatLatencies(a, b, ctx.quick ? 1 : 3, () => fetching);
    await moving;
    figures.push(
      figure(
        'chat-p99-quiet',
        'chat latency p99 at 100 msg/s, no transfer',
        round(percentile(quiet.latencies, 99), 1),
        'ms',
      ),
      figure(
        'chat-p99-transfer',
        'chat latency p99 at 100 msg/s, during a transfer',
        round(percentile(busy.latencies, 99), 1),
        'ms',
        {
          note: `${busy.sent} messages sent while a ${duringSize / MiB} MiB file moved between the same two nodes`,
        },
      ),
    );
    if (busy.sent < CHAT_RATE / 2)
      notes.push(
        `only ${busy.sent} chat messages fit within the transfer: the "during" p99 rests on few samples`,
      );
  } finally {
    await mesh.destroy();
  }
}

async function fiveFetchers(ctx: BenchContext, dir: string, figures: Figure[]): Promise<void> {
  const size = (ctx.quick ? 8 : 64) * MiB;
  const mesh = await TestMesh.start(6, {
    record: false,
    peersOf: all,
    nodeOptions: (i) => ({ files: { downloadDir: join(dir, `five-${i}`), autoAcceptBytes: 0 } }),
  });
  try {
    await mesh.waitConnected(60_000);
    const [origin, ...fetchers] = mesh.nodes.map((m) => m.node);
    const source = join(dir, 'five.bin');
    writeRandomFile(source, size);
    const offer = await filesOf(origin).send({ kind: 'room', room: 'lobby' }, source);
    for (const f of fetchers) await offered(f, offer.id);
    const before = filesOf(origin).server.uploadedBytes;
    const done = fetchers.map((f) => saved(f, offer.id));
    for (const f of fetchers) filesOf(f).get(offer.id);
    await Promise.all(done);
    const uploaded = filesOf(origin).server.uploadedBytes - before;
    figures.push(
      figure(
        'file-origin-upload',
        `bytes the origin uploaded, 5 nodes fetching ${size / MiB} MiB`,
        round(uploaded / MiB, 1),
        'MiB',
      ),
      figure('file-origin-upload-ratio', 'origin upload ÷ file size', round(uploaded / size, 2), '×', {
        target: atMost(2),
      }),
    );
  } finally {
    await mesh.destroy();
  }
}

async function daemonRss(ctx: BenchContext, dir: string, figures: Figure[], notes: string[]): Promise<void> {
  const size = (ctx.quick ? 64 : 1024) * MiB;
  const source = join(dir, 'big.bin');
  writeRandomFile(source, size);
  const sender = await startDaemon(join(dir, 'd-sender'));
  let receiver: Awaited<ReturnType<typeof startDaemon>> | null = null;
  try {
    receiver = await startDaemon(join(dir, 'd-receiver'), [
      ...['--peer', `127.0.0.1:${sender.port}`, '--auto-accept-bytes', '0'],
      ...['--download-dir', join(dir, 'd-down')],
    ]);
    const r = receiver;
    if (!(await linked(r))) throw new Error('the two daemons did not link');
    const offer = await sender.client.sendFile({ kind: 'room', room: 'lobby' }, source);
    const seen = await untilAsync(
      async () => (await r.client.files()).some((f) => f.id === offer.id),
      30_000,
    );
    if (!seen) throw new Error('the receiving daemon did not learn the offer');
    const idle = processMemory(r.pid);
    const atOffer = processMemory(sender.pid);
    const started = performance.now();
    await r.client.getFile(offer.id);
    let maxRss = idle.rssMiB;
    let senderMaxRss = atOffer.rssMiB;
    let state = 'fetching';
    while (state === 'fetching' && performance.now() - started < DAEMON_TRANSFER_BOUND_MS) {
      await sleep(200);
      maxRss = Math.max(maxRss, processMemory(r.pid).rssMiB);
      senderMaxRss = Math.max(senderMaxRss, processMemory(sender.pid).rssMiB);
      state = (await r.client.files()).find((f) => f.id === offer.id)?.state ?? 'gone';
    }
    if (state !== 'done')
      throw new Error(`the 1 GiB transfer ended ${state} (bound ${TRANSFER_BOUND_MS / 1000} s)`);
    const seconds = (performance.now() - started) / 1000;
    const peak = processMemory(r.pid).peakMiB;
    const senderPeak = processMemory(sender.pid).peakMiB;
    const label = `${size / MiB} MiB`;
    const MB = (mib: number) => round(mib * 1.048576, 1);
    figures.push(
      figure(
        'file-daemon-rss-idle',
        'receiving daemon RSS before the transfer',
        round(idle.rssMiB, 1),
        'MiB',
      ),
      figure(
        'file-daemon-rss-max',
        `receiving daemon RSS during a ${label} transfer (max sampled)`,
        round(maxRss, 1),
        'MiB',
      ),
      figure('file-daemon-rss-peak', `receiving daemon peak RSS (VmHWM), ${label}`, MB(peak), 'MB', {
        target: ctx.quick ? undefined : atMost(120),
      }),
      figure(
        'file-daemon-sender-rss-offer',
        `sending daemon peak RSS (VmHWM) once its ${label} offer is made`,
        MB(atOffer.peakMiB),
        'MB',
      ),
      figure(
        'file-daemon-sender-rss-max',
        'sending daemon RSS during the transfer (max sampled)',
        round(senderMaxRss, 1),
        'MiB',
      ),
      figure(
        'file-daemon-sender-rss-peak',
        `sending daemon peak RSS (VmHWM), ${label}, offer and transfer`,
        MB(senderPeak),
        'MB',
        { target: ctx.quick ? undefined : atMost(120) },
      ),
      figure('file-daemon-rate', `${label} between two daemons`, round(size / MiB / seconds, 1), 'MiB/s'),
    );
    notes.push(
      'RSS sampled every 200 ms from /proc/PID/status; the peak is VmHWM, in MB (10^6 bytes) as the target is',
    );
  } finally {
    await receiver?.client.close().catch(() => undefined);
    await sender.client.close().catch(() => undefined);
    await receiver?.stop('SIGINT');
    await sender.stop('SIGINT');
  }
}

async function untilAsync(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check()) return true;
    await sleep(100);
  }
  return false;
}

async function linked(daemon: Awaited<ReturnType<typeof startDaemon>>): Promise<boolean> {
  return untilAsync(async () => (await daemon.client.status()).links > 0, 30_000);
}

export const filesScenario: Scenario = {
  id: 'files',
  title: 'Files: two nodes against TCP, swarming, chat during a transfer, daemon RSS',
  async run(ctx): Promise<ScenarioOutput> {
    const figures: Figure[] = [];
    const notes: string[] = [];
    const failed: string[] = [];
    const parts: [string, (dir: string) => Promise<void>][] = [
      ['two nodes and chat', (dir) => twoNodes(ctx, dir, figures, notes)],
      ['five fetchers', (dir) => fiveFetchers(ctx, dir, figures)],
      ['daemon RSS', (dir) => daemonRss(ctx, dir, figures, notes)],
    ];
    for (const [name, part] of parts) {
      const dir = mkdtempSync(join(tmpdir(), 'konnect-bench-files-'));
      ctx.log(`  files: ${name}`);
      try {
        await part(dir);
      } catch (err) {
        failed.push(`${name}: ${(err as Error).message}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    return { figures, notes, failed: failed.length > 0 ? failed : undefined };
  },
};
