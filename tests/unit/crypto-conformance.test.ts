/**
 * The crypto conformance suite (tests/helpers/crypto-conformance.ts) run against every provider: the
 * node's (libsodium signing and verification, and their node:crypto fallbacks), noble's from src, and noble's with
 * the wire as a browser bundle (esbuild, platform browser) imported here. Also that src/wire holds
 * nothing that would keep it out of a browser.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeCrypto, nodeCrypto, rawVerifiers, signers } from '../../src/crypto-node/index.js';
import { nobleCrypto } from '../../src/crypto-noble/index.js';
import * as wire from '../../src/wire/index.js';
import {
  describeCrossProvider,
  describeCryptoConformance,
  edgeCases,
  RFC8032,
  type WireCrypto,
} from '../helpers/crypto-conformance.js';
import { mixedOrderRSignature, torsionKeySignature } from '../helpers/ed25519-edge.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const withWire = (provider: wire.CryptoProvider): WireCrypto => ({ provider, ...wire });

const sources: [string, WireCrypto][] = [
  [
    'node (node:crypto signing and verification)',
    withWire(createNodeCrypto(rawVerifiers['node:crypto'], 'node:crypto', signers['node:crypto'])),
  ],
  ['noble', withWire(nobleCrypto)],
];
const libsodium = rawVerifiers.libsodium;
if (libsodium) sources.unshift(['node (libsodium)', withWire(createNodeCrypto(libsodium, 'libsodium'))]);
for (const [name, subject] of sources) describeCryptoConformance(name, () => subject);

describe('the wire as a browser bundle', () => {
  let dir: string;
  let bundleText = '';
  let bundled: WireCrypto | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'konnect-bundle-'));
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      `export * from ${JSON.stringify(join(root, 'src/wire/index.ts'))};\n` +
        `export { nobleCrypto } from ${JSON.stringify(join(root, 'src/crypto-noble/index.ts'))};\n`,
    );
    const out = join(dir, 'wire.browser.js');
    // platform 'browser': a node: import or a Node builtin fails the build rather than being kept.
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      outfile: out,
      logLevel: 'silent',
    });
    bundleText = readFileSync(out, 'utf8');
    // Import it with Buffer hidden, as in a page: msgpackr picks its Uint8Array path at load.
    const buffer = globalThis.Buffer;
    Reflect.deleteProperty(globalThis, 'Buffer');
    let mod: typeof wire & { nobleCrypto: wire.CryptoProvider };
    try {
      mod = await import(pathToFileURL(out).href);
    } finally {
      globalThis.Buffer = buffer;
    }
    bundled = { ...mod, provider: mod.nobleCrypto };
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has no node: import and no require', () => {
    expect(bundleText.length).toBeGreaterThan(10_000);
    expect(bundleText).not.toMatch(/from\s*["']node:|import\(\s*["']node:|require\(\s*["']/);
  });

  it('encodes and decodes frames with Buffer absent at load', () => {
    const frame = bundled!.newMessageId;
    expect(typeof frame).toBe('function');
    const mod = bundled as unknown as typeof wire;
    const encoded = mod.encodeFrame({ kind: 'ping', n: 1 });
    expect(Buffer.from(encoded).toString('hex')).toBe(
      Buffer.from(wire.encodeFrame({ kind: 'ping', n: 1 })).toString('hex'),
    );
    expect(new mod.FrameDecoder().push(encoded)).toEqual([{ kind: 'ping', n: 1 }]);
  });

  describeCryptoConformance('noble, bundled for the browser', () => bundled!);
  describeCrossProvider(() => [...sources.map(([, s]) => s), bundled!]);
});

describe('src/wire is isomorphic', () => {
  it('no file of src/wire or src/crypto-noble imports node: or uses Buffer or require (comments aside)', () => {
    const files = ['src/wire', 'src/crypto-noble'].flatMap((dir) =>
      readdirSync(join(root, dir))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(dir, f)),
    );
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const code = readFileSync(join(root, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(^|[^:])\/\/.*$/gm, '$1');
      expect(code, file).not.toMatch(/['"]node:|\bBuffer\b|\brequire\s*\(|sodium/);
    }
  });
});

describe('the edge cases are real', () => {
  it("noble's own strict verify (zip215: false) accepts the mixed-order cases the providers refuse", () => {
    const seed = RFC8032[1].seed;
    const message = new TextEncoder().encode('an edge case');
    const mixedR = mixedOrderRSignature(seed, message);
    expect(ed25519.verify(mixedR, message, RFC8032[1].publicKey, { zip215: false })).toBe(true);
    const torsion = torsionKeySignature(seed, new TextEncoder().encode('torsion key'), false);
    expect(ed25519.verify(torsion.signature, torsion.message, torsion.publicKey, { zip215: false })).toBe(
      true,
    );
    // And the providers, libsodium among them where it loads, refuse every case.
    for (const c of edgeCases(seed, RFC8032[1].publicKey)) {
      expect(nodeCrypto.verify(c.message, c.signature, c.publicKey), c.name).toBe(false);
      expect(nobleCrypto.verify(c.message, c.signature, c.publicKey), c.name).toBe(false);
    }
  });
});
