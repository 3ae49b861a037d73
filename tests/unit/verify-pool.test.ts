/**
 * VerifyPool: signature checks on libsodium in worker threads. Every check is answered exactly once
 * and as libsodium's rules say (the edge cases OpenSSL alone would accept included), in batches spread
 * over the workers; a worker that cannot start, cannot load libsodium or dies hands what it held, and
 * everything after, to the fallback; the workers stop when idle. Also the batch format, against
 * malformed buffers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeCrypto, rawVerifiers, VerifyPool } from '../../src/crypto-node/index.js';
import { type Check, packChecks, unpackChecks } from '../../src/crypto-node/verify-batch.js';
import { nonCanonicalS, SMALL_ORDER_FORGERY } from '../helpers/ed25519-edge.js';
import { waitFor } from '../helpers/wait.js';

const pools: VerifyPool[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const pool of pools.splice(0)) pool.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function signedChecks(count: number): Check[] {
  const { secretKey, publicKey } = nodeCrypto.ed25519Keygen();
  return Array.from({ length: count }, (_, i) => {
    const data = new TextEncoder().encode(`message ${i} `.padEnd(40 + (i % 7) * 13, '.'));
    return { data, signature: nodeCrypto.sign(data, secretKey), publicKey };
  });
}

/** A fallback that records what it was given and answers with libsodium on the loop. */
function recordingFallback() {
  const taken: Check[] = [];
  const fallback = (check: Check, done: (valid: boolean) => void): void => {
    taken.push(check);
    const valid = rawVerifiers.libsodium!(check.data, check.signature, check.publicKey);
    queueMicrotask(() => done(valid));
  };
  return { taken, fallback };
}

function pool(options: Partial<ConstructorParameters<typeof VerifyPool>[0]> = {}) {
  const { taken, fallback } = recordingFallback();
  const p = new VerifyPool({ fallback, threads: 2, ...options });
  pools.push(p);
  return { pool: p, taken };
}

/** A pool whose workers have started (the first check starts them), with what its fallback took. */
async function readyPool(options: Partial<ConstructorParameters<typeof VerifyPool>[0]> = {}) {
  const made = pool(options);
  await verifyAll(made.pool, signedChecks(1));
  await waitFor(() => made.pool.ready === made.pool.running, 'the verify workers to start');
  made.taken.length = 0;
  return made;
}

/** Asks for every check and resolves with the verdicts in order; fails if one is answered twice. */
function verifyAll(p: VerifyPool, checks: readonly Check[]): Promise<boolean[]> {
  return Promise.all(
    checks.map(
      (c) =>
        new Promise<boolean>((resolve, reject) => {
          let answered = false;
          p.verify(c.data, c.signature, c.publicKey, (valid) => {
            if (answered) reject(new Error('a check was answered twice'));
            answered = true;
            resolve(valid);
          });
        }),
    ),
  );
}

const sodiumLoads = rawVerifiers.libsodium !== null;

describe('the verify batch format', () => {
  it('round-trips checks of any payload length, empty included', () => {
    const checks = [...signedChecks(3), { ...signedChecks(1)[0], data: new Uint8Array(0) }];
    const back = unpackChecks(packChecks(checks));
    expect(back.map((c) => [...c.data])).toEqual(checks.map((c) => [...c.data]));
    expect(back.map((c) => [...c.signature])).toEqual(checks.map((c) => [...c.signature]));
    expect(back.map((c) => [...c.publicKey])).toEqual(checks.map((c) => [...c.publicKey]));
  });

  it('refuses a buffer cut short or with a count past its end', () => {
    const packed = packChecks(signedChecks(2));
    expect(() => unpackChecks(packed.slice(0, packed.byteLength - 1))).toThrow(/past the end/);
    expect(() => unpackChecks(new ArrayBuffer(2))).toThrow(/too short/);
    const lying = new ArrayBuffer(8);
    new DataView(lying).setUint32(0, 1_000_000, true);
    expect(() => unpackChecks(lying)).toThrow(/past the end/);
  });
});

describe.skipIf(!sodiumLoads)('VerifyPool', () => {
  it('answers every check once, valid and forged alike, spread over its workers', async () => {
    const { pool: p, taken } = await readyPool();
    const before = p.stats.checks;
    const checks = signedChecks(300);
    const forged = new Set([0, 7, 64, 65, 299]);
    const asked = checks.map((c, i) => {
      if (!forged.has(i)) return c;
      const data = Uint8Array.from(c.data);
      data[0] ^= 1;
      return { ...c, data };
    });
    const verdicts = await verifyAll(p, asked);
    expect(verdicts).toEqual(asked.map((_, i) => !forged.has(i)));
    expect(taken).toHaveLength(0);
    expect(p.stats.checks - before).toBe(300);
    expect(p.stats.batches).toBeGreaterThanOrEqual(Math.ceil(300 / 64));
    expect(p.ready).toBe(2);
  });

  it('decides as libsodium does where OpenSSL alone would accept, and refuses malformed lengths', async () => {
    const { pool: p, taken } = await readyPool();
    const [good] = signedChecks(1);
    const checks: Check[] = [
      { data: good.data, signature: nonCanonicalS(good.signature), publicKey: good.publicKey },
      { data: good.data, signature: SMALL_ORDER_FORGERY.signature, publicKey: SMALL_ORDER_FORGERY.publicKey },
      { data: good.data, signature: good.signature.subarray(0, 63), publicKey: good.publicKey },
      { data: good.data, signature: good.signature, publicKey: good.publicKey.subarray(1) },
      good,
    ];
    expect(await verifyAll(p, checks)).toEqual([false, false, false, false, true]);
    expect(taken).toHaveLength(0); // the workers decided, not the fallback
  });

  it('never answers within the call', () => {
    const { pool: p } = pool();
    const [good] = signedChecks(1);
    let answered = false;
    p.verify(good.data, good.signature, good.publicKey, () => (answered = true));
    p.verify(good.data, good.signature.subarray(1), good.publicKey, () => (answered = true));
    expect(answered).toBe(false);
  });

  it('hands everything to the fallback when its worker cannot load libsodium', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'konnect-verify-pool-'));
    dirs.push(dir);
    const script = join(dir, 'no-sodium.mjs');
    writeFileSync(
      script,
      "import { parentPort } from 'node:worker_threads';\n" +
        "parentPort.postMessage({ type: 'failed', error: 'libsodium did not load in the verify worker' });\n",
    );
    const { pool: p, taken } = pool({ script });
    const checks = signedChecks(100);
    expect(await verifyAll(p, checks)).toEqual(checks.map(() => true));
    expect(taken).toHaveLength(100);
    await waitFor(() => p.failure, 'the pool to hear that its workers failed');
    expect(p.failure).toMatch(/libsodium did not load/);
    expect(await verifyAll(p, signedChecks(3))).toEqual([true, true, true]);
    expect(taken).toHaveLength(103);
    expect(p.running).toBe(0);
  });

  it('hands what a dead worker held to the fallback, each check answered once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'konnect-verify-pool-'));
    dirs.push(dir);
    // A worker that takes batches and dies on the second without answering it.
    const script = join(dir, 'dies.mjs');
    writeFileSync(
      script,
      "import { parentPort } from 'node:worker_threads';\n" +
        "parentPort.postMessage({ type: 'ready' });\n" +
        'let seen = 0;\n' +
        "parentPort.on('message', (m) => {\n" +
        '  if (++seen === 2) process.exit(3);\n' +
        '  const n = new DataView(m.batch).getUint32(0, true);\n' +
        "  parentPort.postMessage({ type: 'answer', seq: m.seq, valid: new Uint8Array(n).fill(1) });\n" +
        '});\n',
    );
    const { pool: p, taken } = await readyPool({ script, threads: 1 });
    const checks = signedChecks(200);
    const verdicts = await verifyAll(p, checks);
    expect(verdicts).toEqual(checks.map(() => true));
    expect(p.failure).toMatch(/exited \(code 3\)/);
    // The first batch was answered by the worker (unless its exit was seen before its answer), the
    // rest went to the fallback; none twice (verifyAll).
    expect([200 - 64, 200]).toContain(taken.length);
  });

  it('stops its workers when idle and starts them again for the next checks', async () => {
    const { pool: p } = await readyPool({ idleStopMs: 50 });
    await waitFor(() => p.running === 0, 'the idle workers to stop');
    expect(await verifyAll(p, signedChecks(10))).toEqual(Array(10).fill(true));
    expect(p.running).toBe(2);
    expect(p.stats.started).toBe(2);
    expect(p.failure).toBeNull();
  });

  it('hands the checks asked before a worker has started to the fallback, then the workers take them', async () => {
    const { pool: p, taken } = pool();
    expect(await verifyAll(p, signedChecks(20))).toEqual(Array(20).fill(true));
    expect(taken).toHaveLength(20); // no worker was ready: the fallback took them at once
    await waitFor(() => p.ready === 2, 'the verify workers to start');
    expect(await verifyAll(p, signedChecks(20))).toEqual(Array(20).fill(true));
    expect(taken).toHaveLength(20);
    expect(p.failure).toBeNull();
  });
});
