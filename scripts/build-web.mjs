/**
 * Builds the web page (issue 17): esbuild bundles src/web/ui/main.tsx with React DOM into dist/web/
 * as index.html + app-[hash].js + app-[hash].css. No inline script or style (the node serves the page
 * under a strict Content-Security-Policy) and nothing fetched at run time. Writes the page's gzipped
 * size to dist/web-size.json and prints it, so the size is reported at every build.
 */
import { build } from 'esbuild';
import { mkdirSync, readdirSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Two speech bubbles; a file of its own, so that the browser's request for an icon finds one. */
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="2" y="4" width="20" height="14" rx="4" fill="#2f6fdb"/>' +
  '<rect x="10" y="13" width="20" height="14" rx="4" fill="#1f9d55"/></svg>\n';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/web');

// Old hashed files would pile up (and be served) otherwise.
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const result = await build({
  entryPoints: { app: join(root, 'src/web/ui/main.tsx') },
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: ['es2022'],
  minify: true,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  outdir,
  jsx: 'automatic',
  tsconfig: join(root, 'tsconfig.web.json'),
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => /^app-.*\.js$/.test(f));
const css = outputs.find((f) => /^app-.*\.css$/.test(f));
if (!js || !css) throw new Error(`build-web: expected app-[hash].js and .css, got ${outputs.join(', ')}`);

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="color-scheme" content="light dark">
<title>konnect</title>
<link rel="icon" href="favicon.svg">
<link rel="stylesheet" href="${css}">
<script type="module" src="${js}"></script>
</head>
<body>
<div id="root"></div>
<noscript>konnect needs JavaScript to run in this page.</noscript>
</body>
</html>
`;
writeFileSync(join(outdir, 'index.html'), html);
writeFileSync(join(outdir, 'favicon.svg'), FAVICON);

const sizes = {};
let gzip = 0;
let raw = 0;
for (const name of readdirSync(outdir)) {
  if (name.endsWith('.map')) continue;
  const bytes = readFileSync(join(outdir, name));
  const gz = gzipSync(bytes, { level: 9 }).length;
  sizes[name] = { bytes: bytes.length, gzip: gz };
  raw += bytes.length;
  gzip += gz;
}
const report = { files: sizes, bytes: raw, gzip };
writeFileSync(join(root, 'dist/web-size.json'), JSON.stringify(report, null, 2) + '\n');
console.log(`web page: ${(raw / 1024).toFixed(1)} KiB, ${(gzip / 1024).toFixed(1)} KiB gzipped (dist/web)`);
