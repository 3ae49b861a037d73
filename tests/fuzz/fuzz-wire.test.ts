/**
 * A bounded run of the wire fuzzer in the normal test suite: 20,000 inputs with a fixed seed must give
 * no exception other than a KonnectError. The run must also really exercise the decoders (valid
 * messages decoded, typed errors of several codes seen), and the harness must notice a crash.
 */
import { describe, expect, it } from 'vitest';
import { runWireFuzz } from './fuzz-wire.js';

describe('wire fuzz', () => {
  it('20,000 random and mutated inputs raise only typed errors', () => {
    const r = runWireFuzz({ count: 20_000, seed: 20_241_124, seconds: 120 });
    if (r.unexpected > 0) console.error(r.failures);
    expect(r.stoppedByTime).toBe(false);
    expect(r.frames).toBeGreaterThanOrEqual(20_000);
    expect(r.unexpected).toBe(0);
    // The run is only worth something if it reaches both sides of the decoders.
    expect(r.decoded).toBeGreaterThan(1_000);
    expect(r.ignored).toBeGreaterThan(0);
    expect(r.typedErrors).toBeGreaterThan(1_000);
    for (const code of ['FRAME_MALFORMED', 'SCHEMA_INVALID', 'FRAME_TOO_LARGE']) {
      expect(r.errorsByCode[code] ?? 0, code).toBeGreaterThan(0);
    }
    expect(Object.keys(r.inputsByMutation).length).toBeGreaterThanOrEqual(8);
  });

  it('replays the same run from the same seed', () => {
    const a = runWireFuzz({ count: 2_000, seed: 7 });
    const b = runWireFuzz({ count: 2_000, seed: 7 });
    expect({ ...b, elapsedMs: 0, framesPerSecond: 0 }).toEqual({ ...a, elapsedMs: 0, framesPerSecond: 0 });
  });

  it('reports an exception that is not a KonnectError, with seed and hex to replay it', () => {
    const r = runWireFuzz({
      count: 2_000,
      seed: 7,
      extraTargets: [
        {
          name: 'crashes-on-0xc1',
          run: (bytes) => {
            if (bytes.includes(0xc1)) throw new TypeError('boom');
            return 0;
          },
        },
      ],
    });
    expect(r.unexpected).toBeGreaterThan(0);
    const failure = r.failures.find((f) => f.target === 'crashes-on-0xc1');
    expect(failure).toMatchObject({ seed: 7, error: 'TypeError: boom' });
    expect(Buffer.from(failure?.hex ?? '', 'hex').includes(0xc1)).toBe(true);
  });
});
