/**
 * Wire fuzzer: feeds random and mutated frames to everything that reads bytes from a peer (FrameDecoder
 * with random chunking, parseLinkMessage, decodePayload, decodeDirectPlaintext). Mutations start from
 * valid encoded messages, because purely random bytes rarely get past the first MessagePack byte.
 *
 * The oracle: every failure must be a KonnectError, and whatever is accepted must re-encode to
 * something that decodes to the same value. Anything else is printed with the seed and the offending
 * bytes in hex, and the program exits 1.
 *
 *   npm run fuzz -- --count 1000000 [--seed S] [--seconds MAX]
 *
 * Importing this module has no side effects (vitest imports it); main() runs only when executed directly.
 */
import fc from 'fast-check';
import { pathToFileURL } from 'node:url';
import { ed25519PublicKey, nodeCrypto, verifyWithKey, x25519PublicKey } from '../../src/crypto-node/index.js';
import {
  decodeDirectPlaintext,
  decodePayload,
  directAad,
  fingerprint,
  helloTranscript,
  type LinkMessage,
  messageIdTime,
  messageIdToString,
  openDirect,
  sealDirect,
  encodeDirectPlaintext,
  encodeFrame,
  encodePayload,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  isKonnectError,
  packValue,
  parseLinkMessage,
  unpackValue,
} from '../../src/wire/index.js';
import { directPlaintextArb, linkMessageArb, payloadArb, withHexBytes } from '../helpers/wire-arbitraries.js';

export interface WireFuzzOptions {
  /** Inputs to feed. @default 100000 */
  count?: number;
  /** Seed of the corpus and of every random choice; the same seed replays the same run. @default random */
  seed?: number;
  /** Stop early after this many seconds. @default 600 */
  seconds?: number;
  /** Extra targets run on every payload-shaped input (lets a test prove the harness catches a crash). */
  extraTargets?: FuzzTarget[];
}

/** A function under fuzz: throws on bad input, returns how many values it accepted. */
export interface FuzzTarget {
  name: string;
  run: (bytes: Buffer) => number;
}

export interface FuzzFailure {
  seed: number;
  iteration: number;
  target: string;
  mutation: string;
  hex: string;
  error: string;
}

export interface WireFuzzResult {
  seed: number;
  /** Inputs fed (frames in streams, bodies, payloads, plaintexts). */
  frames: number;
  elapsedMs: number;
  framesPerSecond: number;
  /** Messages, payloads and plaintexts that decoded successfully. */
  decoded: number;
  /** Well-formed frames of an unknown kind (dropped by the decoder) and payloads of an unknown kind. */
  ignored: number;
  typedErrors: number;
  errorsByCode: Record<string, number>;
  inputsByMutation: Record<string, number>;
  unexpected: number;
  /** The first few unexpected failures, replayable from `seed`. */
  failures: FuzzFailure[];
  stoppedByTime: boolean;
}

const CORPUS_SIZE = { messages: 600, payloads: 300, plaintexts: 100 };
const MAX_FAILURES_KEPT = 10;
/** Bytes that mean something special to a MessagePack reader: headers, lengths, extensions, 0xc1. */
const INTERESTING = [
  0x00, 0x01, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xca,
  0xcb, 0xcc, 0xcf, 0xd3, 0xd4, 0xd6, 0xd8, 0xd9, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff,
];

/** mulberry32: tiny, fast and good enough to choose mutations; seeded so a run can be replayed. */
function makeRng(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, pick: <T>(items: readonly T[]): T => items[int(items.length)] };
}
type Rng = ReturnType<typeof makeRng>;

function randomBytes(rng: Rng, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

type Mutation = (bytes: Buffer, rng: Rng, corpus: Buffer[]) => Buffer;

/** The wire returns plain Uint8Arrays; the mutations work on Buffers (a view, no copy). */
const asBuf = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

/** Each mutation returns a new buffer; the corpus entries are never changed. */
const MUTATIONS: Record<string, Mutation> = {
  none: (b) => b,
  'bit-flip': (b, rng) => {
    const out = Buffer.from(b);
    for (let k = 1 + rng.int(8); k > 0 && out.length > 0; k--) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  },
  'interesting-byte': (b, rng) => {
    const out = Buffer.from(b);
    for (let k = 1 + rng.int(3); k > 0 && out.length > 0; k--)
      out[rng.int(out.length)] = rng.pick(INTERESTING);
    return out;
  },
  truncate: (b, rng) => b.subarray(0, rng.int(b.length)),
  extend: (b, rng) =>
    Buffer.concat([
      b,
      rng.next() < 0.5 ? randomBytes(rng, 1 + rng.int(16)) : b.subarray(rng.int(b.length + 1)),
    ]),
  'insert-delete': (b, rng) => {
    const at = rng.int(b.length + 1);
    return rng.next() < 0.5
      ? Buffer.concat([b.subarray(0, at), randomBytes(rng, 1 + rng.int(8)), b.subarray(at)])
      : Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.int(8)))]);
  },
  splice: (b, rng, corpus) => {
    const other = rng.pick(corpus);
    return Buffer.concat([b.subarray(0, rng.int(b.length + 1)), other.subarray(rng.int(other.length + 1))]);
  },
  'length-field': (b, rng) => {
    // Overwrite the bytes after a random position with a big-endian length: hits str/bin/array/map sizes.
    const out = Buffer.from(b);
    if (out.length < 3) return out;
    const at = rng.int(out.length - 2);
    const value = rng.pick([0, 1, 0x7f, 0xff, 0xffff, rng.int(0x10000)]);
    out.writeUInt16BE(value, at);
    return out;
  },
  random: (_b, rng) => randomBytes(rng, rng.int(64)),
  // Structure-aware: well-formed MessagePack with one field changed, so the schema checks (not only
  // the MessagePack reader) see hostile values; falls back to a bit flip when the input does not decode.
  value: (b, rng) => {
    let value: unknown;
    try {
      value = unpackValue(b);
    } catch {
      return MUTATIONS['bit-flip'](b, rng, []);
    }
    return asBuf(packValue(mutateValue(value, rng, 0)));
  },
};

/** Values a schema must cope with in any field: boundaries of every type and length. */
function hostileValue(rng: Rng): unknown {
  switch (rng.int(7)) {
    case 0:
      return rng.pick([
        0,
        -1,
        1,
        64,
        65,
        255,
        65535,
        65536,
        2 ** 32,
        2 ** 53 - 1,
        2 ** 53,
        -(2 ** 53),
        1.5,
        NaN,
        Infinity,
      ]);
    case 1:
      return Buffer.alloc(rng.pick([0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 4096]), rng.int(256));
    case 2:
      return rng.pick([
        '',
        'x',
        'lobby',
        'UPPER',
        'a b',
        '\u0000',
        '😀',
        'x'.repeat(rng.pick([32, 33, 48, 49, 4001])),
      ]);
    case 3:
      return rng.pick([[], [1], ['lobby'], Array.from({ length: rng.pick([33, 65, 257, 1025]) }, () => 0)]);
    case 4:
      return rng.pick([{}, { kind: 'ping' }, { id: Buffer.alloc(32) }]);
    case 5:
      return rng.pick([null, true, false]);
    default:
      return rng.pick([
        'hello',
        'flood',
        'chat',
        'direct',
        'presence',
        'sync-msgs',
        'unknown-kind',
        '__proto__',
      ]);
  }
}

function mutateValue(value: unknown, rng: Rng, depth: number): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0 || rng.next() < 0.2)
      return rng.next() < 0.5 ? hostileValue(rng) : [...value, hostileValue(rng)];
    const copy = [...value];
    const i = rng.int(copy.length);
    copy[i] = mutateValue(copy[i], rng, depth + 1);
    return copy;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    const roll = rng.next();
    if (keys.length === 0 || roll < 0.1)
      copy[rng.pick(['extra', 'kind', 'v', 'id', 'payload'])] = hostileValue(rng);
    else if (roll < 0.25) delete copy[rng.pick(keys)];
    else {
      const key = rng.pick(keys);
      copy[key] = mutateValue(copy[key], rng, depth + 1);
    }
    return copy;
  }
  return depth > 0 && rng.next() < 0.2 ? value : hostileValue(rng);
}
const MUTATION_NAMES = Object.keys(MUTATIONS);

function frameAround(body: Buffer, declared = body.length): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt32BE(declared >>> 0);
  return Buffer.concat([header, body]);
}

/** Corrupts the 4-byte length prefix of a frame: off by one, zero, just over the limit, or random. */
function corruptLength(frame: Buffer, rng: Rng): Buffer {
  const out = Buffer.from(frame);
  const length = out.readUInt32BE(0);
  const choices = [
    length + 1,
    length - 1,
    0,
    256 * 1024,
    256 * 1024 + 1,
    0xffffffff,
    rng.int(2 ** 32),
    rng.int(512),
  ];
  out.writeUInt32BE(rng.pick(choices) >>> 0, 0);
  return out;
}

interface Corpus {
  bodies: Buffer[];
  payloads: Buffer[];
  plaintexts: Buffer[];
}

function buildCorpus(seed: number): Corpus {
  const messages = fc.sample(linkMessageArb, { seed, numRuns: CORPUS_SIZE.messages });
  const payloads = fc
    .sample(payloadArb, { seed: seed + 1, numRuns: CORPUS_SIZE.payloads })
    .map((p) => asBuf(encodePayload(p)));
  // Floods and sync batches that carry real encoded payloads, as relays see them.
  const carriers = payloads.slice(0, 100).flatMap((payload, i) => [
    { kind: 'flood', id: Buffer.alloc(16, i), hops: 16, payload, sig: Buffer.alloc(64, i) },
    {
      kind: 'sync-msgs',
      scope: 'lobby',
      msgs: [{ id: Buffer.alloc(16, i), payload, sig: Buffer.alloc(64, 7) }],
    },
  ]);
  const bodies = [...messages, ...carriers].map((m) => asBuf(packValue(m)));
  const plaintexts = fc
    .sample(directPlaintextArb, { seed: seed + 2, numRuns: CORPUS_SIZE.plaintexts })
    .map((p) => asBuf(encodeDirectPlaintext(p)));
  return { bodies, payloads, plaintexts };
}

/**
 * The calls a node makes on an accepted message before trusting anything in it: id to text, key
 * import, signature check, payload decode, opening a direct box. Only typed errors may come out.
 */
function useAsANodeWould(message: LinkMessage, recipient: { secretKey: Uint8Array; raw: Uint8Array }): void {
  const signed =
    message.kind === 'flood'
      ? [message]
      : message.kind === 'sync-msgs'
        ? message.msgs
        : ([] as { id: Uint8Array; payload: Uint8Array; sig: Uint8Array }[]);
  for (const m of signed) {
    messageIdToString(m.id);
    messageIdTime(m.id);
    const payload = decodePayload(m.payload);
    if (payload === null) continue;
    messageIdToString(payload.id);
    verifyWithKey(m.payload, m.sig, ed25519PublicKey(payload.from));
    fingerprint(nodeCrypto, payload.from);
    if (payload.kind === 'direct') {
      const plain = openDirect(
        nodeCrypto,
        payload.box,
        recipient.secretKey,
        recipient.raw,
        directAad(payload.id, payload.from, payload.to),
      );
      decodeDirectPlaintext(plain);
    } else if (payload.kind === 'receipt') {
      messageIdToString(payload.of);
    } else if (payload.kind === 'presence') {
      sealDirect(
        nodeCrypto,
        Buffer.from('probe'),
        payload.xkey,
        directAad(payload.id, payload.from, payload.from),
      );
    }
  }
  if (message.kind === 'hello') {
    fingerprint(nodeCrypto, message.id);
    ed25519PublicKey(message.id);
    x25519PublicKey(message.xkey);
    helloTranscript(message.id, message.id, message.nonce, message.nonce);
  }
  if (message.kind === 'sync-ids' || message.kind === 'sync-want')
    message.ids.forEach((id) => messageIdToString(id));
}

/** Accepted values must survive another encode/decode unchanged; returns a reason when they do not. */
function reencodeProblem(kind: 'link' | 'payload' | 'plaintext', value: unknown): string | undefined {
  let again: unknown;
  if (kind === 'link') {
    const out = new FrameDecoder().push(encodeFrame(value));
    again = out.length === 1 ? out[0] : out;
  } else if (kind === 'payload') {
    again = decodePayload(packValue(value));
  } else {
    again = decodeDirectPlaintext(packValue(value));
  }
  const a = JSON.stringify(withHexBytes(value));
  const b = JSON.stringify(withHexBytes(again));
  return a === b
    ? undefined
    : `accepted value changed on re-encoding: ${a.slice(0, 200)} → ${b.slice(0, 200)}`;
}

export function runWireFuzz(options: WireFuzzOptions = {}): WireFuzzResult {
  const count = options.count ?? 100_000;
  const seed = (options.seed ?? Math.floor(Math.random() * 2 ** 31)) >>> 0;
  const deadline = Date.now() + (options.seconds ?? 600) * 1000;
  const rng = makeRng(seed);
  const corpus = buildCorpus(seed);
  const keys = nodeCrypto.x25519Keygen();
  const recipient = { secretKey: keys.secretKey, raw: keys.publicKey };
  const allBodies = [...corpus.bodies, ...corpus.payloads, ...corpus.plaintexts];

  const result: WireFuzzResult = {
    seed,
    frames: 0,
    elapsedMs: 0,
    framesPerSecond: 0,
    decoded: 0,
    ignored: 0,
    typedErrors: 0,
    errorsByCode: {},
    inputsByMutation: {},
    unexpected: 0,
    failures: [],
    stoppedByTime: false,
  };

  const started = process.hrtime.bigint();
  let iteration = 0;
  let target = '';
  let mutationName = '';
  let input: Buffer = Buffer.alloc(0);

  const mutate = (bytes: Buffer): Buffer => {
    mutationName = rng.pick(MUTATION_NAMES);
    result.inputsByMutation[mutationName] = (result.inputsByMutation[mutationName] ?? 0) + 1;
    return MUTATIONS[mutationName](bytes, rng, allBodies);
  };

  const fail = (error: string) => {
    result.unexpected++;
    if (result.failures.length < MAX_FAILURES_KEPT) {
      result.failures.push({
        seed,
        iteration,
        target,
        mutation: mutationName,
        hex: input.toString('hex'),
        error,
      });
    }
  };

  /** Runs one target, sorting its outcome into decoded / typed error / unexpected. */
  const attempt = (name: string, bytes: Buffer, run: () => void) => {
    target = name;
    input = bytes;
    try {
      run();
    } catch (err) {
      if (isKonnectError(err)) {
        result.typedErrors++;
        result.errorsByCode[err.code] = (result.errorsByCode[err.code] ?? 0) + 1;
      } else {
        fail(err instanceof Error ? `${err.name}: ${err.message}` : `non-error thrown: ${String(err)}`);
      }
    }
  };

  const checked = (kind: 'link' | 'payload' | 'plaintext', value: unknown) => {
    if (value === null) {
      result.ignored++;
      return;
    }
    result.decoded++;
    const problem = reencodeProblem(kind, value);
    if (problem) fail(problem);
    if (kind === 'link') {
      // What a node does next with peer-chosen bytes must stay typed too. Its own try, so a typed
      // refusal here does not hide the rest of the stream.
      try {
        useAsANodeWould(value as LinkMessage, recipient);
      } catch (err) {
        if (isKonnectError(err)) {
          result.typedErrors++;
          result.errorsByCode[err.code] = (result.errorsByCode[err.code] ?? 0) + 1;
        } else {
          target = `${target}/use`;
          fail(err instanceof Error ? `${err.name}: ${err.message}` : `non-error thrown: ${String(err)}`);
        }
      }
    }
  };

  while (result.frames < count) {
    if ((iteration & 255) === 0 && Date.now() > deadline) {
      result.stoppedByTime = true;
      break;
    }
    iteration++;
    const roll = rng.next();
    if (roll < 0.5) {
      // A stream of 1-3 frames, each maybe mutated, cut into random chunks.
      const frames: Buffer[] = [];
      for (let k = 1 + rng.int(3); k > 0; k--) {
        const body = mutate(rng.pick(corpus.bodies));
        let frame = frameAround(body);
        if (rng.next() < 0.1) frame = corruptLength(frame, rng);
        frames.push(frame);
        result.frames++;
      }
      const stream = Buffer.concat(frames);
      attempt('frame-decoder', stream, () => {
        const decoder = new FrameDecoder();
        let at = 0;
        while (at < stream.length) {
          const size = rng.next() < 0.2 ? 1 : 1 + rng.int(stream.length - at);
          for (const message of decoder.push(stream.subarray(at, at + size))) checked('link', message);
          at += size;
        }
        result.ignored += decoder.ignored;
      });
    } else if (roll < 0.7) {
      const body = mutate(rng.pick(corpus.bodies));
      result.frames++;
      attempt('parse-link-message', body, () => checked('link', parseLinkMessage(unpackValue(body))));
    } else if (roll < 0.9) {
      const bytes = mutate(rng.pick(corpus.payloads));
      result.frames++;
      attempt('decode-payload', bytes, () => checked('payload', decodePayload(bytes)));
      for (const extra of options.extraTargets ?? []) attempt(extra.name, bytes, () => void extra.run(bytes));
    } else {
      const bytes = mutate(rng.pick(corpus.plaintexts));
      result.frames++;
      attempt('decode-direct-plaintext', bytes, () => checked('plaintext', decodeDirectPlaintext(bytes)));
    }
  }

  result.elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  result.framesPerSecond = result.elapsedMs > 0 ? Math.round(result.frames / (result.elapsedMs / 1000)) : 0;
  return result;
}

function parseArgs(argv: string[]): WireFuzzOptions {
  const options: WireFuzzOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = Number(argv[i + 1]);
    if (!['--count', '--seed', '--seconds'].includes(flag)) {
      throw new Error(`unknown argument ${flag} (use --count N, --seed S, --seconds MAX)`);
    }
    if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} needs a non-negative number`);
    i++;
    if (flag === '--count') options.count = Math.floor(value);
    if (flag === '--seed') options.seed = Math.floor(value);
    if (flag === '--seconds') options.seconds = value;
  }
  return options;
}

function main(): void {
  let options: WireFuzzOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const seed = (options.seed ?? Math.floor(Math.random() * 2 ** 31)) >>> 0;
  console.log(
    `fuzz-wire: seed ${seed}, count ${options.count ?? 100_000}, at most ${options.seconds ?? 600} s`,
  );
  const r = runWireFuzz({ ...options, seed });
  console.log(
    `${r.frames} inputs in ${(r.elapsedMs / 1000).toFixed(1)} s: ${r.framesPerSecond} inputs/s` +
      (r.stoppedByTime ? ' (stopped by --seconds)' : ''),
  );
  console.log(
    `decoded ${r.decoded}, ignored ${r.ignored}, typed errors ${r.typedErrors}, unexpected ${r.unexpected}`,
  );
  console.log('typed errors by code:');
  for (const [code, n] of Object.entries(r.errorsByCode).sort((a, b) => b[1] - a[1])) {
    console.log(`  ${code.padEnd(20)} ${n}`);
  }
  console.log('inputs by mutation:');
  for (const [name, n] of Object.entries(r.inputsByMutation).sort((a, b) => b[1] - a[1])) {
    console.log(`  ${name.padEnd(20)} ${n}`);
  }
  if (r.unexpected > 0) {
    console.error(`FAIL: ${r.unexpected} unexpected failures (replay with --seed ${r.seed}); first ones:`);
    for (const f of r.failures) {
      console.error(`  iteration ${f.iteration} target ${f.target} mutation ${f.mutation}: ${f.error}`);
      console.error(`    hex ${f.hex}`);
    }
    process.exit(1);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
