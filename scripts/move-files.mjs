// One-off helper for restructuring: git mv files per a mapping and rewrite every relative import in
// src and tests to follow. Usage: node scripts/move-files.mjs old=new ...
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync, statSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = process.cwd();
const moves = new Map(
  process.argv.slice(2).map((a) => {
    const [from, to] = a.split('=');
    return [resolve(root, from), resolve(root, to)];
  }),
);
function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|tsx|mts)$/.test(name)) out.push(p);
  }
  return out;
}
const files = ['src', 'tests', 'bench']
  .filter((d) => existsSync(join(root, d)))
  .flatMap((d) => walk(join(root, d)));
const mapped = (abs) => moves.get(abs) ?? abs;
const SPEC = /((?:from|import|vi\.mock\(|import\()\s*['"])(\.{1,2}\/[^'"]+)(['"])/g;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const newFile = mapped(file);
  const out = text.replace(SPEC, (all, pre, spec, post) => {
    const target = resolve(dirname(file), spec);
    let ts = target.replace(/\.js$/, '.ts');
    if (!existsSync(ts)) ts = target.replace(/\.js$/, '.tsx');
    if (!existsSync(ts)) return all;
    const moved = mapped(ts);
    const ext = spec.endsWith('.js') ? '.js' : '';
    let rel = relative(dirname(newFile), moved).replace(/\.tsx?$/, ext);
    if (!rel.startsWith('.')) rel = './' + rel;
    return pre + rel + post;
  });
  if (out !== text) writeFileSync(file, out);
}
for (const [from, to] of moves) {
  mkdirSync(dirname(to), { recursive: true });
  execFileSync('git', ['mv', from, to]);
}
