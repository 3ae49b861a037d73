/**
 * Serves the page's own files and nothing else: GET and HEAD only, `/` is index.html, a path is
 * decoded and checked segment by segment (no `..`, no dotfiles, no backslash or NUL) and its real
 * path (symlinks followed) must stay inside the root. Every answer carries the security headers; a
 * root without index.html (the page not built) answers a plain 503 page saying so.
 */
import { createReadStream, promises as fs } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

/** The page's code comes only from this node; it talks only to this node's WebSocket. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self' ws:",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** esbuild's `name-HASH.ext`: content-addressed, so cached for good. */
const HASHED = /-[A-Za-z0-9_]{8,}\.[a-z0-9]+$/;

export function sendPlain(res: ServerResponse, status: number, text: string, headers = {}): void {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>konnect</title>
<h1>The konnect page is not built</h1>
<p>This node serves the chat page from a directory that has no index.html. Build it with
<code>npm run build</code>, or start the node with <code>--web-root DIR</code>.</p>\n`;

/** The path's segments, or null when any is not a plain file or directory name. */
export function safeSegments(urlPath: string): string[] | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || /[\\\0]/.test(decoded)) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  for (const s of segments) if (s.startsWith('.')) return null; // `..`, `.`, dotfiles
  return segments;
}

export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendPlain(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    return;
  }
  const urlPath = (req.url ?? '/').split('?')[0].split('#')[0];
  const segments = safeSegments(urlPath);
  if (!segments) return sendPlain(res, 400, 'bad path');
  let realRoot: string;
  try {
    realRoot = await fs.realpath(root);
    await fs.access(join(realRoot, 'index.html'));
  } catch {
    const body = Buffer.from(NOT_BUILT);
    res.writeHead(503, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': body.length,
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  const wanted = segments.length === 0 ? ['index.html'] : segments;
  let file: string;
  let size: number;
  try {
    file = await fs.realpath(join(realRoot, ...wanted));
    if (!file.startsWith(realRoot + sep)) return sendPlain(res, 404, 'not found');
    const stat = await fs.stat(file);
    if (!stat.isFile()) return sendPlain(res, 404, 'not found');
    size = stat.size;
  } catch {
    return sendPlain(res, 404, 'not found');
  }
  const ext = extname(file).toLowerCase();
  const isIndex = wanted.length === 1 && wanted[0] === 'index.html';
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': TYPES[ext] ?? 'application/octet-stream',
    'Content-Length': size,
    'Cache-Control': !isIndex && HASHED.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
