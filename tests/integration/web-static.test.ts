/**
 * The page's files on the mesh port: index.html with a strict Content-Security-Policy and no-sniff,
 * hashed assets cached for good, HEAD, 404 for what is not there, 503 when the page is not built,
 * and no way out of the root (`..`, encoded dots and slashes, backslashes, NUL, dotfiles, symlinks).
 * Requests are sent as written (node:http does not normalise paths as fetch does).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/daemon/index.js';
import { TestMesh } from '../helpers/mesh.js';

let mesh: TestMesh | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await mesh?.destroy();
  mesh = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const INDEX = '<!doctype html><title>konnect</title><script src="app-QNKTBI2G.js"></script>';
const SECRET = 'the-secret-outside-the-root';

/** A page root with index.html, a hashed asset, a plain file, and secrets beside and inside it. */
function makeRoot(): string {
  const base = mkdtempSync(join(tmpdir(), 'konnect-static-'));
  dirs.push(base);
  const root = join(base, 'web');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), INDEX);
  writeFileSync(join(root, 'app-QNKTBI2G.js'), 'console.log("app")');
  writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(root, '.env'), SECRET);
  writeFileSync(join(base, 'secret.txt'), SECRET);
  symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'link.txt'));
  symlinkSync(base, join(root, 'up'));
  return root;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with the path exactly as given. */
function get(address: string, path: string, method = 'GET'): Promise<Answer> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${method} ${path} within 30 s`)));
    req.on('error', reject);
    req.end();
  });
}

async function serve(root: string): Promise<string> {
  mesh = await TestMesh.start(1, { nodeOptions: () => ({ web: { root } }) });
  return mesh.nodes[0].address;
}

describe('the page files', () => {
  it('index.html comes with a strict Content-Security-Policy, no-sniff, and no-cache', async () => {
    const address = await serve(makeRoot());
    for (const path of ['/', '/index.html', '/?from=qr']) {
      const res = await get(address, path);
      expect(res.status, path).toBe(200);
      expect(res.body).toBe(INDEX);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
    // Strict: scripts and styles only from this node, nothing inline or evaluated, no plugins or frames.
    const csp = CONTENT_SECURITY_POLICY;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('hashed assets are cached for good; other files are revalidated', async () => {
    const address = await serve(makeRoot());
    const app = await get(address, '/app-QNKTBI2G.js');
    expect(app.status).toBe(200);
    expect(app.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(app.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(app.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    const icon = await get(address, '/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('HEAD answers the headers of GET without the body', async () => {
    const address = await serve(makeRoot());
    const head = await get(address, '/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(INDEX));
    expect(head.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it('an unknown path is 404, with the security headers', async () => {
    const address = await serve(makeRoot());
    for (const path of ['/nope.js', '/assets', '/assets/', '/index.html/x']) {
      const res = await get(address, path);
      expect(res.status, path).toBe(404);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    }
  });

  it('nothing outside the root is served: dots, encoded dots and slashes, backslashes, NUL, dotfiles, symlinks', async () => {
    const address = await serve(makeRoot());
    const refused: Array<[string, number]> = [
      ['/../../etc/passwd', 400],
      ['/../secret.txt', 400],
      ['/%2e%2e/%2e%2e/etc/passwd', 400],
      ['/%2e%2e%2f%2e%2e%2fetc%2fpasswd', 400],
      ['/%2E%2E%2Fsecret.txt', 400],
      ['/..%2fsecret.txt', 400],
      ['/assets%2f..%2f..%2fsecret.txt', 400],
      ['/..%5csecret.txt', 400],
      ['/..\\secret.txt', 400],
      ['/index.html%00.js', 400],
      ['/.env', 400],
      ['/%2eenv', 400],
      ['/%E0%A4%A', 400],
      // Decoded to a path inside the root that is not there.
      ['/%2fetc%2fpasswd', 404],
      // Symlinks that lead out of the root.
      ['/assets/link.txt', 404],
      ['/up/secret.txt', 404],
    ];
    for (const [path, status] of refused) {
      const res = await get(address, path);
      expect(res.status, path).toBe(status);
      expect(res.body, path).not.toContain(SECRET);
      expect(res.body, path).not.toContain('root:');
    }
  });

  it('a root without the built page answers 503 saying so, also to HEAD', async () => {
    const base = mkdtempSync(join(tmpdir(), 'konnect-static-'));
    dirs.push(base);
    const address = await serve(join(base, 'not-built'));
    for (const path of ['/', '/app-QNKTBI2G.js']) {
      const res = await get(address, path);
      expect(res.status, path).toBe(503);
      expect(res.body).toContain('The konnect page is not built');
      expect(res.body).toContain('npm run build');
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers['cache-control']).toBe('no-store');
    }
    const head = await get(address, '/', 'HEAD');
    expect(head.status).toBe(503);
    expect(head.body).toBe('');
  });
});
