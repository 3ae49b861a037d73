/**
 * Where the time goes in a V8 CPU profile (`node --cpu-prof`): every sample is put in one bucket by
 * the first rule that matches its stack (leaf first): signature verification, signing, SQLite, socket
 * writes, msgpack and frame codec, GC, idle, or other JavaScript. Used for BENCHMARKS.md:
 *
 *   node --cpu-prof --cpu-prof-dir=prof dist/bench/run.js --only latency
 *   node dist/bench/lib/profile-summary.js prof/*.cpuprofile
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

type Rule = [bucket: string, match: (frame: ProfileNode['callFrame']) => boolean];

const RULES: Rule[] = [
  [
    'ed25519 verify',
    // node:crypto's, or libsodium's through the wrapper in crypto-node (rawVerifiers.libsodium).
    (f) =>
      f.functionName === 'verifyOneShot' ||
      (f.url.endsWith('crypto-node/node-provider.js') && f.functionName.startsWith('rawVerifiers.')),
  ],
  ['ed25519 sign', (f) => f.functionName === 'signOneShot'],
  [
    'SQLite (history store)',
    (f) => f.url.includes('better-sqlite3') || /daemon\/store(-schema)?\.js$/.test(f.url),
  ],
  [
    'socket writes',
    (f) =>
      ['writeBuffer', 'writev', 'writeUtf8String'].includes(f.functionName) ||
      f.functionName.startsWith('Socket._write'),
  ],
  [
    'msgpack + frame codec',
    (f) => f.url.includes('msgpackr') || /wire\/(codec|frame|schema|messages|payloads)\.js$/.test(f.url),
  ],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
  ['idle', (f) => f.functionName === '(idle)'],
];

export function summarizeProfile(profile: CpuProfile): { bucket: string; ms: number; share: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const bucketOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = bucketOf.get(id);
    if (known) return known;
    let bucket = 'other JavaScript';
    for (const [name, match] of RULES) {
      let cur: number | undefined = id;
      let hit = false;
      while (cur !== undefined) {
        if (match(byId.get(cur)!.callFrame)) {
          hit = true;
          break;
        }
        cur = parent.get(cur);
      }
      if (hit) {
        bucket = name;
        break;
      }
    }
    bucketOf.set(id, bucket);
    return bucket;
  };
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    all += dt;
    const b = classify(id);
    totals.set(b, (totals.get(b) ?? 0) + dt);
  });
  return [...totals]
    .map(([bucket, us]) => ({ bucket, ms: us / 1000, share: all ? us / all : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

function main(): void {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node dist/bench/lib/profile-summary.js FILE.cpuprofile...');
    process.exit(2);
  }
  for (const file of files) {
    const rows = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    const busy = rows.filter((r) => r.bucket !== 'idle').reduce((s, r) => s + r.ms, 0);
    console.log(`${file}: ${Math.round(busy)} ms busy`);
    for (const r of rows) {
      const ofBusy = r.bucket === 'idle' ? '' : `${((100 * r.ms) / busy).toFixed(1).padStart(5)}% of busy`;
      console.log(`  ${r.bucket.padEnd(24)} ${r.ms.toFixed(0).padStart(8)} ms  ${ofBusy}`);
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
