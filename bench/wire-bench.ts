/**
 * Wire benchmark: throughput of what every message costs a node: frame encode and decode of a chat
 * message in a flood envelope, payload encode and decode, ed25519 sign and verify, direct seal and open.
 * A program that prints figures (the lead wires `wireBench` into `npm run bench`); no test asserts on
 * them, since timings vary with the machine.
 *
 *   node dist/bench/wire-bench.js [--quick]
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import {
  type ChatPayload,
  DEFAULT_HOPS,
  decodePayload,
  directAad,
  encodeDirectPlaintext,
  encodeFrame,
  encodePayload,
  type FloodMessage,
  FrameDecoder,
  newMessageId,
  openDirect,
  sealDirect,
  equalBytes,
} from '../src/wire/index.js';
import {
  ed25519PublicKey,
  importedEd25519Key,
  nodeCrypto,
  rawVerifyBackend,
  verifyRaw,
  verifyWithKey,
} from '../src/crypto-node/index.js';
import { nobleCrypto } from '../src/crypto-noble/index.js';

export interface WireBenchOptions {
  /** Run each measurement for 0.2 s instead of 1 s (CI, smoke runs). */
  quick: boolean;
}

/** Runs `op` repeatedly for about `seconds` after a warm-up and returns operations per second. */
async function opsPerSecond(op: () => unknown, seconds: number): Promise<number> {
  const budget = BigInt(Math.round(seconds * 1e9));
  // Warm-up lets V8 optimise the path before it is timed.
  const warmUntil = process.hrtime.bigint() + budget / 5n;
  while (process.hrtime.bigint() < warmUntil) for (let i = 0; i < 64; i++) op();
  let ops = 0;
  let batch = 16;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < batch; i++) op();
    ops += batch;
    elapsed = process.hrtime.bigint() - start;
    // Grow batches so reading the clock stays a negligible share of the time measured.
    if (elapsed < budget / 100n) batch *= 2;
  }
  // Yield between measurements so a caller's event loop (timers, output) is not starved.
  await new Promise((resolve) => setImmediate(resolve));
  return ops / (Number(elapsed) / 1e9);
}

export async function wireBench(opts: WireBenchOptions): Promise<Record<string, number>> {
  const seconds = opts.quick ? 0.2 : 1;
  const alice = nodeCrypto.ed25519Keygen();
  const aliceId = alice.publicKey;
  const alicePublic = importedEd25519Key(aliceId);
  const bob = nodeCrypto.x25519Keygen();
  const bobX = bob.publicKey;

  const text = 'The quick brown fox jumps over the lazy dog; '.repeat(5).slice(0, 200);
  const payload: ChatPayload = {
    kind: 'chat',
    id: newMessageId(),
    from: aliceId,
    ts: Date.now(),
    room: 'lobby',
    nick: 'alice',
    text,
  };
  const payloadBytes = encodePayload(payload);
  const flood: FloodMessage = {
    kind: 'flood',
    id: payload.id,
    hops: DEFAULT_HOPS,
    payload: payloadBytes,
    sig: nodeCrypto.sign(payloadBytes, alice.secretKey),
  };
  const frame = encodeFrame(flood);
  const decoder = new FrameDecoder();
  const plaintext = encodeDirectPlaintext({ nick: 'alice', text });
  const aad = directAad(payload.id, aliceId, aliceId);
  const box = sealDirect(nodeCrypto, plaintext, bobX, aad);

  // Sanity: each measured operation really does its work on these inputs.
  if (decoder.push(frame).length !== 1) throw new Error('bench frame does not decode');
  if (!verifyWithKey(payloadBytes, flood.sig, alicePublic))
    throw new Error('bench signature does not verify');
  if (!equalBytes(openDirect(nodeCrypto, box, bob.secretKey, bobX, aad), plaintext))
    throw new Error('bench box does not open');

  const results: Record<string, number> = {};
  results['frame encode (flood, 200-char chat)'] = await opsPerSecond(() => encodeFrame(flood), seconds);
  results['frame decode (push + parse)'] = await opsPerSecond(() => decoder.push(frame), seconds);
  results['encodePayload (chat)'] = await opsPerSecond(() => encodePayload(payload), seconds);
  results['decodePayload (chat)'] = await opsPerSecond(() => decodePayload(payloadBytes), seconds);
  results['sign (ed25519)'] = await opsPerSecond(
    () => nodeCrypto.sign(payloadBytes, alice.secretKey),
    seconds,
  );
  results['verify (ed25519, node:crypto)'] = await opsPerSecond(
    () => verifyWithKey(payloadBytes, flood.sig, alicePublic),
    seconds,
  );
  // What a relay runs per delivery on an idle loop: libsodium where it loads, on the raw key.
  results[`verify (ed25519, ${rawVerifyBackend}, raw key)`] = await opsPerSecond(
    () => verifyRaw(payloadBytes, flood.sig, aliceId),
    seconds,
  );
  results['seal (direct, 200 chars)'] = await opsPerSecond(
    () => sealDirect(nodeCrypto, plaintext, bobX, aad),
    seconds,
  );
  results['open (direct)'] = await opsPerSecond(
    () => openDirect(nodeCrypto, box, bob.secretKey, bobX, aad),
    seconds,
  );
  // Turning 32 raw bytes into a KeyObject (for node:crypto) is a large share of a verify: cached per peer.
  results['ed25519 key import'] = await opsPerSecond(() => ed25519PublicKey(aliceId), seconds);
  // What a relay spends on a new message: decode the frame and the payload, verify.
  results['relay path (decode + verify)'] = await opsPerSecond(() => {
    const [message] = decoder.push(frame) as FloodMessage[];
    const decoded = decodePayload(message.payload);
    return decoded && verifyRaw(message.payload, message.sig, decoded.from);
  }, seconds);
  // The browser's provider (pure JavaScript), for comparison: what a page pays per message.
  results['sign (ed25519, noble)'] = await opsPerSecond(
    () => nobleCrypto.sign(payloadBytes, alice.secretKey),
    seconds,
  );
  results['verify (ed25519, noble)'] = await opsPerSecond(
    () => nobleCrypto.verify(payloadBytes, flood.sig, aliceId),
    seconds,
  );
  results['seal (direct, 200 chars, noble)'] = await opsPerSecond(
    () => sealDirect(nobleCrypto, plaintext, bobX, aad),
    seconds,
  );
  results['open (direct, noble)'] = await opsPerSecond(
    () => openDirect(nobleCrypto, box, bob.secretKey, bobX, aad),
    seconds,
  );
  return results;
}

/** Machine facts printed with the figures, since they mean nothing without them. */
export function machineFacts(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  console.log(`wire bench${quick ? ' (quick)' : ''}: ${machineFacts()}`);
  const results = await wireBench({ quick });
  const width = Math.max(...Object.keys(results).map((k) => k.length));
  for (const [name, ops] of Object.entries(results)) {
    const perOp = 1e6 / ops;
    console.log(
      `  ${name.padEnd(width)}  ${Math.round(ops).toLocaleString('en-US').padStart(11)} ops/s  ${perOp.toFixed(2).padStart(8)} µs/op`,
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
