/**
 * Node 20 deadlocks when a garbage collection during a JWK export finalizes the key-generation job of
 * the same key (the main thread waits forever on a mutex in ~KeyGenJob): `npm test` hung in a test that
 * made identities. The node's provider makes keys from random seeds and reads raw keys from DER instead.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

it('no source makes keys with generateKeyPairSync or exports them as JWK', () => {
  const offenders = sourceFiles('src').filter((file) => {
    const code = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => !/^\s*(\*|\/\/)/.test(line))
      .join('\n');
    return /generateKeyPair(Sync)?\(|format: 'jwk'/.test(code);
  });
  expect(offenders).toEqual([]);
});

it('makes and reads back thousands of key pairs under constant collections without hanging', async () => {
  // The built provider (npm test builds dist first). A child process with a tiny young generation collects every few allocations; a deadlock there
  // would leave it hanging until the bound below, which a normal run stays far within.
  const script = `
    const { nodeCrypto, rawSecretKey } = await import(${JSON.stringify(new URL('../../dist/src/crypto-node/index.js', import.meta.url).href)});
    const { createPrivateKey } = await import('node:crypto');
    for (let i = 0; i < 3000; i++) {
      const pair = i % 2 ? nodeCrypto.ed25519Keygen() : nodeCrypto.x25519Keygen();
      const prefix = i % 2 ? '302e020100300506032b657004220420' : '302e020100300506032b656e04220420';
      const key = createPrivateKey({ key: Buffer.concat([Buffer.from(prefix, 'hex'), pair.secretKey]), format: 'der', type: 'pkcs8' });
      if (Buffer.compare(rawSecretKey(key), pair.secretKey) !== 0) throw new Error('raw key mismatch');
    }
    console.log('ok');`;
  const child = spawn(process.execPath, ['--max-semi-space-size=1', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('hung for 120 s');
    }, 120_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c ?? -1);
    });
  });
  expect({ code, out: out.trim().slice(-500) }).toEqual({ code: 0, out: 'ok' });
}, 150_000);
