/**
 * What a daemon's RSS is made of (issue 20): runs bench/scenarios/memory.ts's daemonMemory and, at its
 * idle, linked and relayed readings, prints the daemon's /proc/PID/smaps_rollup, its biggest mappings,
 * and (with the flags below) a diagnostic report's V8 heap spaces for the main isolate and each worker.
 *   npm run build
 *   mkdir -p /tmp/rep && REPDIR=/tmp/rep NODE_OPTIONS="--report-on-signal --report-signal=SIGUSR2 \
 *     --report-directory=/tmp/rep" node scripts/memory-breakdown.mjs "$PWD" 100000 120000
 */

import { readFileSync, readdirSync } from 'node:fs';
const [wt, stored, floods] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const { daemonMemory } = await import(`${wt}/dist/bench/scenarios/memory.js`);
const repDir = process.env.REPDIR;
function childPid() {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const st = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('daemon'))
        return Number(p);
    } catch {}
  }
}
function dump(tag) {
  const pid = childPid();
  const roll = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
    .split('\n')
    .filter((l) => /^(Rss|Anonymous|Shared|Private)/.test(l))
    .join('; ');
  console.log(`[${tag}] pid ${pid} ${roll.replace(/\s+/g, ' ')}`);
  // biggest mappings
  const smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n');
  const maps = [];
  let cur;
  for (const l of smaps) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(l)) {
      cur = { head: l, rss: 0 };
      maps.push(cur);
    } else if (l.startsWith('Rss:')) cur.rss = Number(l.split(/\s+/)[1]);
  }
  const byName = {};
  for (const m of maps) {
    const parts = m.head.trim().split(/\s+/);
    const name = parts[5] ?? '[anon]';
    byName[name] = (byName[name] ?? 0) + m.rss;
  }
  console.log(
    `[${tag}] rss by mapping (KiB):`,
    Object.entries(byName)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, v]) => `${k.split('/').pop()}=${v}`)
      .join(' '),
  );
  const anon = maps
    .filter((m) => !m.head.trim().split(/\s+/)[5])
    .sort((a, b) => b.rss - a.rss)
    .slice(0, 12)
    .map((m) => {
      const [a, b] = m.head.split(' ')[0].split('-');
      return `${m.rss}/${(parseInt(b, 16) - parseInt(a, 16)) / 1024}`;
    });
  console.log(`[${tag}] biggest anon maps rss/size KiB:`, anon.join(' '));
  if (repDir) process.kill(pid, 'SIGUSR2');
}
const out = { figures: [], notes: [], failed: [] };
const push = out.figures.push.bind(out.figures);
out.figures.push = (...f) => {
  for (const x of f) {
    if (x.key === 'daemon-rss-idle') dump('idle');
    if (x.key === 'daemon-rss') dump('links');
    if (x.key === 'daemon-rss-relayed') dump('relayed');
  }
  return push(...f);
};
await daemonMemory({ quick: false, log: console.log }, stored, floods, out);
for (const f of out.figures) console.log(f.key, f.value, f.unit, f.note ?? '');
console.log(out.failed, out.notes.join('\n'));
if (repDir) {
  const mb = (v) => (v / 1048576).toFixed(1);
  const heap = (j) =>
    `committed ${mb(j.totalCommittedMemory)} used ${mb(j.usedMemory)} ` +
    Object.entries(j.heapSpaces)
      .filter(([, v]) => v.memorySize > 0)
      .map(([k, v]) => `${k}=${mb(v.memorySize)}/${mb(v.used)}`)
      .join(' ');
  await new Promise((r) => setTimeout(r, 1000));
  for (const f of readdirSync(repDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const r = JSON.parse(readFileSync(`${repDir}/${f}`, 'utf8'));
    console.log(f, 'main:', heap(r.javascriptHeap));
    for (const w of r.workers ?? []) console.log('  worker:', heap(w.javascriptHeap));
  }
}
