#!/usr/bin/env node
/**
 * konnect side by side with js-libp2p (floodsub and gossipsub, over TCP + noise + yamux) on the same
 * work: N nodes in one process over loopback TCP, linked in the same graph (konnect's overlay: a ring
 * over ids plus chords, default degree 6), each publishing in turn the same 200-byte messages, signed by
 * the origin and verified by every receiver, at the same rate. Each implementation runs in its own child
 * process so CPU time and memory do not mix. Prints, per implementation: delivery latency p50/p99, CPU
 * time per delivered message (process.cpuUsage over the run ÷ deliveries), copies received per node per
 * message, and the ratios konnect ÷ gossipsub and konnect ÷ floodsub. Each figure is the median of
 * `--runs` runs, the implementations taking turns run by run (a slow spell of the machine falls on all
 * of them), with the range of p99 and of the per-run ratios beside it.
 *
 *   npm run bench:peers                      (installs this folder's packages, then runs N=10 and N=50)
 *   node bench/peers/run.js [--n 10,50] [--rate 100] [--seconds 5] [--warmup 3] [--runs 3] [--json FILE]
 *
 * Before measuring, each implementation runs the same load for --warmup seconds: V8 compiles the hot
 * path on background threads for the first seconds of load, which on two cores costs the event loop.
 *
 * konnect is loaded from the main build (dist/), so `npx tsc -p .` must have run (bench:peers does it).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

// libp2p 2.x's dependencies (mortice, it-queue, abort-error) call Promise.withResolvers, which arrived
// in Node 22; this is its specified behaviour, so the libp2p columns run on Node 20 as they would on 22.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
const DIST = new URL('../../dist/', import.meta.url);
const TOPIC = 'lobby';
const MESSAGE_BYTES = 200;
const IMPLEMENTATIONS = ['konnect', 'floodsub', 'gossipsub'];
/** A child that takes longer than this is stopped and its column reported as not feasible. */
const CHILD_TIMEOUT_MS = 240_000;

function parseArgs(argv) {
  const args = { n: [10, 50], rate: 100, seconds: 5, warmup: 3, runs: 3, json: null, impl: null, degree: 6 };
  // --quick sets defaults; options given with it win, wherever they stand.
  if (argv.includes('--quick')) Object.assign(args, { n: [10], seconds: 2, warmup: 1, runs: 1 });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--n') args.n = next().split(',').map(Number);
    else if (a === '--rate') args.rate = Number(next());
    else if (a === '--seconds') args.seconds = Number(next());
    else if (a === '--warmup') args.warmup = Number(next());
    else if (a === '--degree') args.degree = Number(next());
    else if (a === '--runs') args.runs = Number(next());
    else if (a === '--json') args.json = next();
    else if (a === '--impl') args.impl = next();
    else if (a !== '--quick') {
      console.error(`bench/peers: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!(Number.isInteger(args.runs) && args.runs >= 1)) {
    console.error(`bench/peers: --runs wants a whole number of at least 1`);
    process.exit(2);
  }
  if (!(Number.isFinite(args.warmup) && args.warmup >= 0 && args.warmup <= 600)) {
    console.error(`bench/peers: --warmup wants a number of seconds from 0 to 600`);
    process.exit(2);
  }
  return args;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check, timeoutMs, what) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

function percentile(samples, p) {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Sends `count` messages at `rate`, catching up in small bursts when a timer fires late. */
async function paced(count, rate, fn) {
  const start = performance.now();
  const period = 1000 / rate;
  let i = 0;
  while (i < count) {
    const due = Math.min(count, Math.floor((performance.now() - start) / period) + 1);
    while (i < due) fn(i++);
    if (i < count) await sleep(Math.max(0, start + i * period - performance.now()));
  }
}

/** Edges of konnect's overlay over `ids` (either end wants the link), as index pairs [i, j], i > j. */
async function overlayEdges(ids, degree) {
  const { desiredPeers } = await import(new URL('src/daemon/index.js', DIST).href);
  const wants = ids.map((id) => desiredPeers(id, ids, { degree }));
  const edges = [];
  for (let i = 0; i < ids.length; i++)
    for (let j = 0; j < i; j++) if (wants[i].has(ids[j]) || wants[j].has(ids[i])) edges.push([i, j]);
  return edges;
}

// ---- one implementation, in a child process ----

/** konnect as it ships (history in SQLite, own messages flushed to disk), or with synchronous NORMAL (no flush). */
async function runKonnect({ n, rate, count, warmupCount, degree, synchronous }) {
  const { startBenchMesh } = await import(new URL('bench/lib/mesh.js', DIST).href);
  const { DeliveryTracker, routerCounters, warmUp } = await import(new URL('bench/lib/delivery.js', DIST).href);
  const bench = await startBenchMesh(n, { degree, nodeOptions: { store: { synchronous } } });
  try {
    const { mesh } = bench;
    if (!(await warmUp(mesh, warmupCount, rate))) throw new Error('the warm-up messages were not all delivered');
    await sleep(500);
    const before = routerCounters(mesh);
    const tracker = new DeliveryTracker(mesh);
    const cpu = process.cpuUsage();
    await paced(count, rate, (i) => tracker.send(i % n));
    await until(() => tracker.missing() === 0, 60_000, 'every delivery').catch(() => {});
    const used = process.cpuUsage(cpu);
    tracker.detach();
    await sleep(300);
    const after = routerCounters(mesh);
    // Per message seen (new ones delivered + own), so presence floods count on both sides.
    const sent = (i) => Math.floor(count / n) + (i < count % n ? 1 : 0);
    const received = after.received.map((r, i) => {
      const messages = after.delivered[i] - before.delivered[i] + sent(i);
      return ((r - before.received[i]) / messages) * count;
    });
    return summary(tracker.latencies, used, count, n, received, bench.expectedLinks);
  } finally {
    await bench.destroy();
  }
}

async function runLibp2p({ n, rate, count, warmupCount, degree, impl }) {
  const [{ createLibp2p }, { tcp }, { noise }, { yamux }, { identify }] = await Promise.all([
    import('libp2p'),
    import('@libp2p/tcp'),
    import('@chainsafe/libp2p-noise'),
    import('@chainsafe/libp2p-yamux'),
    import('@libp2p/identify'),
  ]);
  const pubsubFactory =
    impl === 'gossipsub'
      ? (await import('@chainsafe/libp2p-gossipsub')).gossipsub({ allowPublishToZeroTopicPeers: true })
      : (await import('@libp2p/floodsub')).floodsub();
  const nodes = [];
  try {
    for (let i = 0; i < n; i++) {
      nodes.push(
        await createLibp2p({
          addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
          transports: [tcp()],
          connectionEncrypters: [noise()],
          streamMuxers: [yamux()],
          // Every dial here comes from 127.0.0.1: lift the per-address rate limit (5/s by default) and
          // the pending cap, which would otherwise refuse links while the mesh is being built.
          connectionManager: {
            maxConnections: 4 * n + 50,
            inboundConnectionThreshold: 10_000,
            maxIncomingPendingConnections: 1000,
          },
          services: { identify: identify(), pubsub: pubsubFactory },
        }),
      );
    }
    // The same graph shape as konnect: its overlay function over these nodes' ids.
    const ids = nodes.map((node) => node.peerId.toString());
    const edges = await overlayEdges(ids, degree);
    const links = new Array(n).fill(0);
    for (const [i, j] of edges) {
      links[i]++;
      links[j]++;
    }
    // Copies: every message carried by an RPC this node received, duplicates included.
    const copies = new Array(n).fill(0);
    nodes.forEach((node, k) => {
      const ps = node.services.pubsub;
      const method = typeof ps.handleReceivedRpc === 'function' ? 'handleReceivedRpc' : 'processRpc';
      const original = ps[method].bind(ps);
      ps[method] = (...args) => {
        const rpc = args[args.length - 1];
        copies[k] += rpc?.messages?.length ?? 0;
        return original(...args);
      };
      ps.subscribe(TOPIC);
    });
    for (const [i, j] of edges) {
      for (let attempt = 1; ; attempt++) {
        try {
          await nodes[i].dial(nodes[j].getMultiaddrs()[0]);
          break;
        } catch (err) {
          if (attempt >= 3) throw err;
          await sleep(200);
        }
      }
    }
    await until(
      () => nodes.every((node, k) => node.services.pubsub.getSubscribers(TOPIC).length >= links[k]),
      30_000,
      'every node to see its neighbours subscribed',
    );
    if (impl === 'gossipsub') {
      // Gossipsub grafts its mesh on heartbeats (1 s): wait until every node has mesh peers.
      await until(
        () => nodes.every((node) => node.services.pubsub.getMeshPeers(TOPIC).length >= Math.min(links[0], 2)),
        30_000,
        'the gossipsub meshes',
      );
      await sleep(2000);
    }
    const sentAt = new Map();
    const latencies = [];
    let delivered = 0;
    nodes.forEach((node) =>
      node.services.pubsub.addEventListener('message', (evt) => {
        const data = evt.detail.data;
        const index = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
        const at = sentAt.get(index);
        if (at === undefined) return;
        latencies.push(performance.now() - at);
        delivered++;
      }),
    );
    const message = (index) => {
      const data = new Uint8Array(MESSAGE_BYTES);
      data.fill(0x61);
      new DataView(data.buffer).setUint32(0, index);
      return data;
    };
    const publish = (index, origin) => {
      sentAt.set(index, performance.now());
      nodes[origin].services.pubsub.publish(TOPIC, message(index)).catch(() => {});
    };
    // Warm-up: one message from every node (keys, paths, streams), then the measured load itself for a
    // while, as for konnect (see warmupCount); the wait is bounded, as a mesh past its capacity may
    // never catch up.
    for (let i = 0; i < n; i++) publish(1_000_000 + i, i);
    const warmedUp = await until(() => delivered >= n * (n - 1), 30_000, 'the warm-up messages').then(
      () => true,
      () => false,
    );
    // A mesh that could not deliver one message per node in 30 s is past its capacity: a load on top
    // would only be a backlog carried into the measurement (and time towards the child's limit).
    if (warmedUp) {
      await paced(warmupCount, rate, (i) => publish(2_000_000 + i, i % n));
      await until(() => delivered >= (n + warmupCount) * (n - 1), 60_000, 'the warm-up load').catch(() => {});
    } else console.error(`${impl} N=${n}: the first warm-up messages were not all delivered in 30 s; no load warm-up`);
    await sleep(500);
    sentAt.clear();
    latencies.length = 0;
    delivered = 0;
    copies.fill(0);
    const cpu = process.cpuUsage();
    await paced(count, rate, (i) => publish(i, i % n));
    await until(() => delivered >= count * (n - 1), 60_000, 'every delivery').catch(() => {});
    const used = process.cpuUsage(cpu);
    await sleep(300);
    return summary(latencies, used, count, n, copies, links);
  } finally {
    await Promise.allSettled(nodes.map((node) => node.stop()));
  }
}

function summary(latencies, cpu, count, n, received, links) {
  const deliveries = latencies.length;
  const perNode = received.map((r) => r / count);
  return {
    deliveries,
    expected: count * (n - 1),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuUsPerDelivery: deliveries ? (cpu.user + cpu.system) / deliveries : NaN,
    copiesMean: perNode.reduce((a, b) => a + b, 0) / n,
    copiesMax: Math.max(...perNode),
    linksMean: links.reduce((a, b) => a + b, 0) / n,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
  };
}

async function child(args) {
  const count = Math.round(args.rate * args.seconds);
  // Warm-up at the measured rate: V8 compiles the hot path on background threads for the first
  // seconds of load, and on two cores those threads take the CPU from the event loop for ms at a
  // time (seen with perf sched); one message per node was far from enough.
  const warmupCount = Math.round(args.rate * args.warmup);
  const n = args.n[0];
  const common = { n, rate: args.rate, count, warmupCount, degree: args.degree };
  let result;
  if (args.impl === 'konnect') result = await runKonnect({ ...common, synchronous: 'FULL' });
  else if (args.impl === 'konnect-normal') result = await runKonnect({ ...common, synchronous: 'NORMAL' });
  else result = await runLibp2p({ ...common, impl: args.impl });
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

// ---- the parent: run each implementation, print them side by side ----

function runChild(impl, n, args) {
  return new Promise((resolve) => {
    const argv = [
      fileURLToPath(import.meta.url),
      '--impl',
      impl,
      '--n',
      String(n),
      '--rate',
      String(args.rate),
      '--seconds',
      String(args.seconds),
      '--warmup',
      String(args.warmup),
      '--degree',
      String(args.degree),
    ];
    const proc = spawn(process.execPath, argv, { cwd: HERE, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (c) => (out += c));
    proc.stderr.on('data', (c) => (err = (err + c).slice(-2000)));
    const timer = setTimeout(() => proc.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) resolve({ impl, n, ...JSON.parse(line.slice(7)) });
      else
        resolve({
          impl,
          n,
          error: signal
            ? `stopped after ${CHILD_TIMEOUT_MS / 1000} s (${signal})`
            : `exit ${code}: ${err.split('\n').find((l) => l.trim() && !/^\s+at /.test(l)) ?? 'no message'}`,
        });
    });
  });
}

const fmt = (v, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '—');

function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const MEDIAN_FIELDS = ['p50', 'p99', 'cpuUsPerDelivery', 'copiesMean', 'copiesMax', 'linksMean', 'rssMiB'];

/** One implementation's runs at one N: the median of each figure, p99's range; a failed run fails it. */
function combine(runs) {
  const failed = runs.find((r) => r.error);
  if (failed) return { impl: failed.impl, n: failed.n, runs: runs.length, error: failed.error };
  const out = { impl: runs[0].impl, n: runs[0].n, runs: runs.length };
  for (const field of MEDIAN_FIELDS) out[field] = median(runs.map((r) => r[field]));
  out.p99Min = Math.min(...runs.map((r) => r.p99));
  out.p99Max = Math.max(...runs.map((r) => r.p99));
  out.deliveries = runs.reduce((sum, r) => sum + r.deliveries, 0);
  out.expected = runs.reduce((sum, r) => sum + r.expected, 0);
  return out;
}

/** konnect ÷ other, run by run (the two ran one after the other in each round). */
function runRatios(runs, n, other, field) {
  const ratios = [];
  for (const k of runs.filter((r) => r.n === n && r.impl === 'konnect' && !r.error)) {
    const o = runs.find((r) => r.n === n && r.impl === other && r.run === k.run && !r.error);
    if (o) ratios.push(k[field] / o[field]);
  }
  return ratios;
}

function table(results, runs, n) {
  const rows = results.filter((r) => r.n === n);
  const get = (impl) => rows.find((r) => r.impl === impl && !r.error);
  const lines = [];
  const head = ['', 'p50 ms', 'p99 ms', 'p99 range', 'CPU µs/delivery', 'copies mean', 'copies max', 'links', 'delivered'];
  lines.push(head.map((h, i) => (i === 0 ? h.padEnd(16) : h.padStart(16))).join(''));
  for (const r of rows) {
    if (r.error) {
      lines.push(`${r.impl.padEnd(16)}not feasible: ${r.error}`);
      continue;
    }
    lines.push(
      [
        r.impl.padEnd(16),
        fmt(r.p50).padStart(16),
        fmt(r.p99).padStart(16),
        `${fmt(r.p99Min)}–${fmt(r.p99Max)}`.padStart(16),
        fmt(r.cpuUsPerDelivery, 1).padStart(16),
        fmt(r.copiesMean).padStart(16),
        fmt(r.copiesMax).padStart(16),
        fmt(r.linksMean, 1).padStart(16),
        `${r.deliveries}/${r.expected}`.padStart(16),
      ].join(''),
    );
  }
  const k = get('konnect');
  for (const other of ['gossipsub', 'floodsub']) {
    const o = get(other);
    if (!k || !o) continue;
    const range = (field) => {
      const ratios = runRatios(runs, n, other, field);
      return ratios.length > 1 ? ` (runs ${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))})` : '';
    };
    const target = other === 'gossipsub' ? ' (target ≤ 0.5)' : '';
    lines.push(
      `konnect ÷ ${other}: p99 ${fmt(k.p99 / o.p99)}${range('p99')}${target}, ` +
        `CPU per delivery ${fmt(k.cpuUsPerDelivery / o.cpuUsPerDelivery)}${range('cpuUsPerDelivery')}${target}, ` +
        `p50 ${fmt(k.p50 / o.p50)}, copies ${fmt(k.copiesMean / o.copiesMean)}`,
    );
  }
  return lines.join('\n');
}

async function parent(args) {
  const cpus = os.cpus();
  const machine = `${cpus.length} cores × ${cpus[0]?.model.trim()}, Node ${process.version}, ${os.platform()} ${os.release()} (load average ${os.loadavg()[0].toFixed(2)})`;
  const command = ['node', 'bench/peers/run.js', ...process.argv.slice(2)].join(' ');
  console.log(`konnect vs js-libp2p: ${machine}`);
  console.log(`command: ${command}`);
  const results = [];
  const runs = [];
  const impls = [...IMPLEMENTATIONS, 'konnect-normal'];
  for (const n of args.n) {
    const count = Math.round(args.rate * args.seconds);
    console.error(`N=${n}: ${count} messages of ${MESSAGE_BYTES} bytes at ${args.rate}/s, ${args.runs} run(s) of each ...`);
    for (let run = 0; run < args.runs; run++) {
      for (const impl of impls) {
        const t = performance.now();
        const r = await runChild(impl, n, args);
        const took = ((performance.now() - t) / 1000).toFixed(1);
        console.error(`  run ${run + 1}, ${impl}: ${r.error ? `failed (${r.error})` : `p99 ${fmt(r.p99)} ms`} in ${took} s`);
        runs.push({ ...r, run });
      }
    }
    for (const impl of impls) results.push(combine(runs.filter((r) => r.n === n && r.impl === impl)));
    const each = args.runs > 1 ? `median of ${args.runs} runs each` : 'one run each';
    console.log(`\nN=${n}, ${count} messages at ${args.rate}/s, same overlay graph (degree ${args.degree}), ${each}:`);
    console.log(table(results, runs, n));
  }
  console.log(
    '\nkonnect stores every message in SQLite and flushes each own message to disk (konnect-normal: no flush); libp2p stores nothing.',
  );
  if (args.json) {
    const json = { machine, command, rate: args.rate, seconds: args.seconds, runs: args.runs, results, perRun: runs };
    writeFileSync(args.json, JSON.stringify(json, null, 2) + '\n');
    console.error(`figures written to ${args.json}`);
  }
}

const args = parseArgs(process.argv.slice(2));
(args.impl ? child(args) : parent(args)).catch((err) => {
  console.error(err);
  process.exit(1);
});
