/**
 * A verify worker's entry point (a worker_threads Worker, started by verify-pool.ts): checks the
 * ed25519 signatures of each batch it is given on libsodium and answers one byte per check. It says
 * 'failed' at once if libsodium does not load here, and the pool then verifies elsewhere.
 */
import { parentPort } from 'node:worker_threads';
import { loadSodium } from './sodium.js';
import { type VerifyAnswer, type VerifyRequest, unpackChecks } from './verify-batch.js';

const port = parentPort;
if (!port) throw new Error('verify-worker-main.js runs as a worker thread');
const sodium = loadSodium();

function say(answer: VerifyAnswer, transfer?: ArrayBuffer[]): void {
  port!.postMessage(answer, transfer);
}

if (!sodium) {
  say({ type: 'failed', error: 'libsodium did not load in the verify worker' });
} else {
  say({ type: 'ready' });
  port.on('message', (m: VerifyRequest) => {
    let checks;
    try {
      checks = unpackChecks(m.batch);
    } catch (err) {
      say({ type: 'failed', error: (err as Error).message });
      return;
    }
    const valid = new Uint8Array(checks.length);
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i];
      try {
        valid[i] = sodium.crypto_sign_verify_detached(c.signature, c.data, c.publicKey) ? 1 : 0;
      } catch {
        valid[i] = 0;
      }
    }
    say({ type: 'answer', seq: m.seq, valid }, [valid.buffer]);
  });
}
