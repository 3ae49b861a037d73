/**
 * The shape of src, checked: no file over MAX_LINES (a file that long holds more than one concern), no
 * circle of imports (type-only ones too: a circle of types is still two files that cannot be read
 * apart), and no folder of src/daemon reaching into another's files rather than through its index.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAX_LINES = 400;
const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

interface Import {
  target: string;
  typeOnly: boolean;
}

/** Relative imports and re-exports of a file, resolved to source paths. */
function importsOf(file: string, text: string): Import[] {
  const found: Import[] = [];
  const pattern = /^\s*(import|export)\s+(type\s+)?([^'";]*?\sfrom\s+)?'(\.[^']+)'/gm;
  for (const m of text.matchAll(pattern)) {
    const clause = m[3] ?? '';
    // `import { type A, type B } from` is type-only too.
    const names = /\{([^}]*)\}/
      .exec(clause)?.[1]
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    const allTypes = !!names && names.length > 0 && names.every((n) => n.startsWith('type '));
    const base = resolve(dirname(file), m[4]).replace(/\.js$/, '');
    const target = [`${base}.ts`, `${base}.tsx`].find((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
    if (target) found.push({ target, typeOnly: !!m[2] || (allTypes && !/\*/.test(clause)) });
  }
  return found;
}

/** Every circle found by a depth-first walk, as `a → b → a` paths relative to src. */
function findCircles(imports: Map<string, Import[]>): string[] {
  const circles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const { target } of imports.get(file) ?? []) {
      if (state.get(target) === 'open') {
        const circle = stack.slice(stack.indexOf(target)).concat(target);
        circles.push(circle.map((f) => relative(src, f)).join(' → '));
      } else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of imports.keys()) if (!state.has(file)) visit(file);
  return circles;
}

const files = sourceFiles(src);
const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(f, 'utf8'))]));

describe('source layout', () => {
  it(`has no file in src over ${MAX_LINES} lines`, () => {
    const long = files
      .map((f) => ({ file: relative(src, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
      .filter((f) => f.lines > MAX_LINES);
    expect(long, 'files to split by concern').toEqual([]);
  });

  it('has no circle of imports, type-only ones included', () => {
    expect(findCircles(graph)).toEqual([]);
  });

  it('finds a circle when there is one (the checker checked)', () => {
    const fake = new Map<string, Import[]>([
      [join(src, 'a.ts'), [{ target: join(src, 'b.ts'), typeOnly: true }]],
      [join(src, 'b.ts'), [{ target: join(src, 'c.ts'), typeOnly: false }]],
      [join(src, 'c.ts'), [{ target: join(src, 'a.ts'), typeOnly: false }]],
    ]);
    expect(findCircles(fake)).toEqual(['a.ts → b.ts → c.ts → a.ts']);
    expect(importsOf(join(src, 'daemon/node.ts'), "import { type x } from './names.js';")).toEqual([
      { target: join(src, 'daemon/names.ts'), typeOnly: true },
    ]);
  });

  it("has no folder of src/daemon reaching into another's files", () => {
    const daemon = join(src, 'daemon');
    const folderOf = (f: string) => {
      const parts = relative(daemon, f).split('/');
      return parts.length === 2 && !parts[0].startsWith('..') ? parts[0] : null;
    };
    const reaches: string[] = [];
    for (const [file, imports] of graph) {
      if (!file.startsWith(daemon)) continue;
      for (const { target } of imports) {
        const folder = folderOf(target);
        if (folder && folder !== folderOf(file) && !target.endsWith('/index.ts'))
          reaches.push(`${relative(src, file)} → ${relative(src, target)}`);
      }
    }
    expect(reaches).toEqual([]);
  });
});
