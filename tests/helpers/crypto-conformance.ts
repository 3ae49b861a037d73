/**
 * One conformance suite for every CryptoProvider, as the discovery compliance suite is for every
 * discovery: published vectors (RFC 8032, 7748, 5869, 8439, FIPS 180), the signatures only
 * libsodium's rules refuse, and the wire's sealing and transcripts built on the provider. The wire's
 * functions come with the provider (`WireCrypto`), so the same suite runs against src/wire and against
 * its browser bundle. Errors are recognised by name and code, since a bundle has its own classes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type * as Wire from '../../src/wire/index.js';
import {
  identityRSignature,
  mixedOrderRSignature,
  nonCanonicalS,
  SMALL_ORDER_FORGERY,
  torsionKeySignature,
} from './ed25519-edge.js';

/** A provider and the wire functions that use it (from src/wire or from a bundle of it). */
export interface WireCrypto {
  provider: Wire.CryptoProvider;
  sealDirect: typeof Wire.sealDirect;
  openDirect: typeof Wire.openDirect;
  directAad: typeof Wire.directAad;
  helloTranscript: typeof Wire.helloTranscript;
  fingerprint: typeof Wire.fingerprint;
  newMessageId: typeof Wire.newMessageId;
  SEAL_OVERHEAD_BYTES: number;
}

export const hex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
export const toHexString = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const flip = (bytes: Uint8Array, index: number, mask = 0x01): Uint8Array => {
  const copy = Uint8Array.from(bytes);
  copy[index] ^= mask;
  return copy;
};
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

/** The code of the CryptoError `fn` throws; fails the test on any other outcome. */
export function cryptoCodeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    const e = err as { name?: string; code?: string };
    if (e?.name !== 'CryptoError')
      throw new Error(`expected a CryptoError, got ${String(err)}`, { cause: err });
    return e.code ?? '';
  }
  throw new Error('expected a throw, got none');
}

/** RFC 8032 §7.1, tests 1 to 3: seed, public key, message, signature. */
export const RFC8032 = [
  [
    '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    '',
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  ],
  [
    '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    '72',
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  ],
  [
    'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    'af82',
    '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  ],
].map(([seed, publicKey, message, signature]) => ({
  seed: hex(seed),
  publicKey: hex(publicKey),
  message: hex(message),
  signature: hex(signature),
}));

/**
 * Signatures every provider must refuse although some library accepts them: named for the rule that
 * refuses them. `seed` signs; the vectors are made fresh from it (ed25519-edge.ts).
 */
export function edgeCases(seed: Uint8Array, publicKey: Uint8Array) {
  const message = text('an edge case');
  const genuine = RFC8032[0];
  const nonCanonicalKey = new Uint8Array(32).fill(0xff);
  nonCanonicalKey[0] = 0xf0; // y = p + 3: every bit of y set but the low byte
  nonCanonicalKey[31] = 0x7f;
  const torsionBad = torsionKeySignature(seed, text('torsion key'), false);
  const cases: { name: string; message: Uint8Array; signature: Uint8Array; publicKey: Uint8Array }[] = [
    {
      name: 'R of order 1 (OpenSSL accepts)',
      message,
      signature: identityRSignature(seed, publicKey, message),
      publicKey,
    },
    { name: 'key and R of order 1, S = 0 (OpenSSL accepts)', message, ...SMALL_ORDER_FORGERY },
    {
      name: 'R with an order-8 component (noble strict accepts)',
      message,
      signature: mixedOrderRSignature(seed, message),
      publicKey,
    },
    { name: 'key with an order-8 component, k not a multiple of 8 (noble strict accepts)', ...torsionBad },
    {
      name: 'S + L (a second encoding of a genuine signature)',
      message: genuine.message,
      signature: nonCanonicalS(genuine.signature),
      publicKey: genuine.publicKey,
    },
    {
      name: 'a non-canonical key (y = p + 3)',
      message,
      signature: new Uint8Array(64).fill(1),
      publicKey: nonCanonicalKey,
    },
  ];
  // Every key libsodium lists as of small order, with the signature the forgery uses.
  for (const small of [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  ]) {
    cases.push({
      name: `small-order key ${small.slice(0, 8)}…`,
      message,
      signature: concat(hex(small), new Uint8Array(32)),
      publicKey: hex(small),
    });
  }
  return cases;
}

/** Runs the whole suite against `subject` (a getter: bundles are built in a beforeAll). */
export function describeCryptoConformance(name: string, get: () => WireCrypto): void {
  describe(`crypto conformance: ${name}`, () => {
    describe('digests and key derivation (published vectors)', () => {
      it('SHA-256 (FIPS 180-4 "abc") and HKDF-SHA256 (RFC 5869 test 1)', () => {
        const { provider } = get();
        expect(toHexString(provider.sha256(text('abc')))).toBe(
          'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
        );
        const okm = provider.hkdfSha256(
          new Uint8Array(22).fill(0x0b),
          hex('000102030405060708090a0b0c'),
          hex('f0f1f2f3f4f5f6f7f8f9'),
          42,
        );
        expect(toHexString(okm)).toBe(
          '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
        );
      });

      it('ChaCha20-Poly1305 (RFC 8439 §2.8.2), and a tampered tag or AAD does not open', () => {
        const { provider } = get();
        const key = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
        const nonce = hex('070000004041424344454647');
        const aad = hex('50515253c0c1c2c3c4c5c6c7');
        const plaintext = text(
          "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
        );
        const sealed = provider.chacha20Poly1305Seal(key, nonce, plaintext, aad);
        expect(toHexString(sealed)).toBe(
          'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
            '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
            '3ff4def08e4b7a9de576d26586cec64b6116' +
            '1ae10b594f09e26a7e902ecbd0600691',
        );
        expect(toHexString(provider.chacha20Poly1305Open(key, nonce, sealed, aad))).toBe(
          toHexString(plaintext),
        );
        expect(() =>
          provider.chacha20Poly1305Open(key, nonce, flip(sealed, sealed.length - 1), aad),
        ).toThrow();
        expect(() => provider.chacha20Poly1305Open(key, nonce, sealed, flip(aad, 0))).toThrow();
      });

      it('X25519 (RFC 7748 §6.1): public keys and the shared secret', () => {
        const { provider } = get();
        const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
        const bob = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
        const alicePublic = provider.x25519PublicKey(alice);
        const bobPublic = provider.x25519PublicKey(bob);
        expect(toHexString(alicePublic)).toBe(
          '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
        );
        expect(toHexString(bobPublic)).toBe(
          'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
        );
        const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
        expect(toHexString(provider.x25519(alice, bobPublic))).toBe(shared);
        expect(toHexString(provider.x25519(bob, alicePublic))).toBe(shared);
      });

      it('X25519 refuses low-order keys with KEY_INVALID rather than return a known secret', () => {
        const { provider } = get();
        const mine = provider.x25519Keygen();
        for (const low of [new Uint8Array(32), Uint8Array.from([1, ...new Uint8Array(31)])]) {
          expect(cryptoCodeOf(() => provider.x25519(mine.secretKey, low))).toBe('KEY_INVALID');
        }
        expect(cryptoCodeOf(() => provider.x25519(mine.secretKey, new Uint8Array(31)))).toBe('KEY_INVALID');
      });

      it('key pairs: fresh each time, and the public key is the one derived from the secret', () => {
        const { provider } = get();
        const [a, b] = [provider.ed25519Keygen(), provider.ed25519Keygen()];
        expect(a.secretKey).toHaveLength(32);
        expect(toHexString(a.publicKey)).not.toBe(toHexString(b.publicKey));
        expect(toHexString(provider.ed25519PublicKey(a.secretKey))).toBe(toHexString(a.publicKey));
        const x = provider.x25519Keygen();
        expect(toHexString(provider.x25519PublicKey(x.secretKey))).toBe(toHexString(x.publicKey));
        expect(provider.randomBytes(24)).toHaveLength(24);
        expect(toHexString(provider.randomBytes(16))).not.toBe(toHexString(provider.randomBytes(16)));
      });
    });

    describe('ed25519', () => {
      it('RFC 8032 tests 1-3: the public key, the exact signature, and it verifies', () => {
        const { provider } = get();
        for (const v of RFC8032) {
          expect(toHexString(provider.ed25519PublicKey(v.seed))).toBe(toHexString(v.publicKey));
          expect(toHexString(provider.sign(v.message, v.seed))).toBe(toHexString(v.signature));
          expect(provider.verify(v.message, v.signature, v.publicKey)).toBe(true);
          for (let i = 0; i < 64; i += 9)
            expect(provider.verify(v.message, flip(v.signature, i), v.publicKey)).toBe(false);
        }
      });

      it('a signature verifies over exactly the signed bytes, with the signer key only', () => {
        const { provider } = get();
        const alice = provider.ed25519Keygen();
        const bob = provider.ed25519Keygen();
        fc.assert(
          fc.property(
            fc.uint8Array({ maxLength: 300 }),
            fc.nat(),
            fc.integer({ min: 1, max: 255 }),
            (data, at, mask) => {
              const sig = provider.sign(data, alice.secretKey);
              expect(sig).toHaveLength(64);
              expect(provider.verify(data, sig, alice.publicKey)).toBe(true);
              expect(provider.verify(data, sig, bob.publicKey)).toBe(false);
              expect(provider.verify(data, flip(sig, at % 64, mask), alice.publicKey)).toBe(false);
              if (data.length > 0)
                expect(provider.verify(flip(data, at % data.length, mask), sig, alice.publicKey)).toBe(false);
              expect(provider.verify(concat(data, new Uint8Array(1)), sig, alice.publicKey)).toBe(false);
            },
          ),
          { numRuns: 40 },
        );
      });

      it('wrong lengths and garbage verify false, never throw', () => {
        const { provider } = get();
        const alice = provider.ed25519Keygen();
        const data = text('m');
        const sig = provider.sign(data, alice.secretKey);
        expect(provider.verify(data, sig.subarray(0, 63), alice.publicKey)).toBe(false);
        expect(provider.verify(data, concat(sig, new Uint8Array(1)), alice.publicKey)).toBe(false);
        expect(provider.verify(data, new Uint8Array(0), alice.publicKey)).toBe(false);
        expect(provider.verify(data, sig, alice.publicKey.subarray(0, 31))).toBe(false);
        expect(provider.verify(data, sig, new Uint8Array(33))).toBe(false);
        fc.assert(
          fc.property(
            fc.uint8Array({ minLength: 32, maxLength: 32 }),
            fc.uint8Array({ minLength: 64, maxLength: 64 }),
            (key, garbage) => {
              expect(provider.verify(data, garbage, key)).toBe(false);
            },
          ),
          { numRuns: 100 },
        );
      });

      it("refuses what only libsodium's rules refuse: small-order R and keys, mixed-order R and keys, S ≥ L, non-canonical keys", () => {
        const { provider } = get();
        const seed = RFC8032[1].seed;
        for (const c of edgeCases(seed, RFC8032[1].publicKey)) {
          expect(provider.verify(c.message, c.signature, c.publicKey), c.name).toBe(false);
        }
      });

      it('accepts a key with an order-8 component when k is a multiple of 8 (as libsodium does)', () => {
        const { provider } = get();
        const c = torsionKeySignature(RFC8032[1].seed, new TextEncoder().encode('torsion key'), true);
        expect(provider.verify(c.message, c.signature, c.publicKey)).toBe(true);
      });
    });

    describe('sealing direct messages (PROTOCOL.md §11)', () => {
      it('round-trips with the documented overhead, a fresh box each time', () => {
        const w = get();
        const bob = w.provider.x25519Keygen();
        const aad = w.directAad(w.newMessageId(), new Uint8Array(32).fill(1), new Uint8Array(32).fill(2));
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 1000 }), (plain) => {
            const box = w.sealDirect(w.provider, plain, bob.publicKey, aad);
            expect(box).toHaveLength(plain.length + w.SEAL_OVERHEAD_BYTES);
            expect(toHexString(w.openDirect(w.provider, box, bob.secretKey, bob.publicKey, aad))).toBe(
              toHexString(plain),
            );
          }),
          { numRuns: 30 },
        );
        const a = w.sealDirect(w.provider, text('same'), bob.publicKey, aad);
        const b = w.sealDirect(w.provider, text('same'), bob.publicKey, aad);
        expect(toHexString(a)).not.toBe(toHexString(b));
        expect(w.SEAL_OVERHEAD_BYTES).toBe(32 + 12 + 16);
      });

      it('another recipient, any flipped bit, another AAD, a short box: SEAL_INVALID', () => {
        const w = get();
        const bob = w.provider.x25519Keygen();
        const carol = w.provider.x25519Keygen();
        const id = w.newMessageId();
        const [from, to] = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
        const aad = w.directAad(id, from, to);
        const box = w.sealDirect(w.provider, text('integrity matters'), bob.publicKey, aad);
        const open =
          (b: Uint8Array, secret = bob.secretKey, pub = bob.publicKey, a = aad) =>
          () =>
            w.openDirect(w.provider, b, secret, pub, a);
        expect(cryptoCodeOf(open(box, carol.secretKey, carol.publicKey))).toBe('SEAL_INVALID');
        expect(cryptoCodeOf(open(box, bob.secretKey, carol.publicKey))).toBe('SEAL_INVALID');
        for (let at = 0; at < box.length; at += 3) {
          expect(cryptoCodeOf(open(flip(box, at, 1 << (at % 8))))).toBe('SEAL_INVALID');
        }
        for (const other of [
          w.directAad(w.newMessageId(), from, to),
          w.directAad(id, to, to),
          w.directAad(id, from, from),
          aad.subarray(0, aad.length - 1),
        ]) {
          expect(cryptoCodeOf(open(box, bob.secretKey, bob.publicKey, other))).toBe('SEAL_INVALID');
        }
        for (let n = 0; n < w.SEAL_OVERHEAD_BYTES; n += 7)
          expect(cryptoCodeOf(open(new Uint8Array(n)))).toBe('SEAL_INVALID');
        const empty = w.sealDirect(w.provider, new Uint8Array(0), bob.publicKey, aad);
        expect(w.openDirect(w.provider, empty, bob.secretKey, bob.publicKey, aad)).toHaveLength(0);
      });

      it('low-order keys: KEY_INVALID when sealing, SEAL_INVALID when a box carries one', () => {
        const w = get();
        const bob = w.provider.x25519Keygen();
        const aad = w.directAad(w.newMessageId(), new Uint8Array(32), new Uint8Array(32));
        for (const key of [new Uint8Array(32), Uint8Array.from([1, ...new Uint8Array(31)])]) {
          expect(cryptoCodeOf(() => w.sealDirect(w.provider, text('x'), key, aad))).toBe('KEY_INVALID');
          const box = concat(key, new Uint8Array(12 + 16 + 4));
          expect(cryptoCodeOf(() => w.openDirect(w.provider, box, bob.secretKey, bob.publicKey, aad))).toBe(
            'SEAL_INVALID',
          );
        }
        expect(cryptoCodeOf(() => w.sealDirect(w.provider, text('x'), new Uint8Array(31), aad))).toBe(
          'KEY_INVALID',
        );
      });
    });

    describe('transcripts and fingerprints', () => {
      it('helloTranscript is "konnect/1 hello" ‖ signer id ‖ peer id ‖ peer nonce ‖ signer nonce', () => {
        const w = get();
        const [a, b, c, d] = [1, 2, 3, 4].map((v) => new Uint8Array(32).fill(v));
        expect(toHexString(w.helloTranscript(a, b, c, d))).toBe(
          toHexString(concat(text('konnect/1 hello'), a, b, c, d)),
        );
        const id = w.newMessageId();
        expect(toHexString(w.directAad(id, a, b))).toBe(
          toHexString(concat(text('konnect/1 direct'), id, a, b)),
        );
      });

      it('fingerprints match the pinned vectors (SHA-256, first 40 bits, RFC 4648 base32)', () => {
        const w = get();
        expect(w.fingerprint(w.provider, new Uint8Array(32))).toBe('mzuh-vlpy');
        expect(
          w.fingerprint(
            w.provider,
            Uint8Array.from({ length: 32 }, (_, i) => i),
          ),
        ).toBe('mmg4-2klg');
        expect(w.fingerprint(w.provider, RFC8032[0].publicKey)).toBe('eh7d-dx5b');
      });
    });
  });
}

/**
 * Every pair of providers agrees: what one seals the other opens, what one signs the other verifies,
 * and on tampered and edge-case signatures they give the same answer.
 */
export function describeCrossProvider(get: () => WireCrypto[]): void {
  describe('crypto conformance: across providers', () => {
    it('seal with one, open with every other (both directions)', () => {
      const all = get();
      for (const sealer of all) {
        for (const opener of all) {
          const bob = opener.provider.x25519Keygen();
          const aad = sealer.directAad(sealer.newMessageId(), new Uint8Array(32).fill(5), bob.publicKey);
          const plain = text(`from ${sealer.provider.name} to ${opener.provider.name}`);
          const box = sealer.sealDirect(sealer.provider, plain, bob.publicKey, aad);
          const opened = opener.openDirect(opener.provider, box, bob.secretKey, bob.publicKey, aad);
          expect(toHexString(opened), `${sealer.provider.name} → ${opener.provider.name}`).toBe(
            toHexString(plain),
          );
        }
      }
    });

    it('sign with one, verify with every other; tampered signatures refused by all alike', () => {
      const all = get();
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat({ max: 63 }), (data, who, at) => {
          const signer = all[who % all.length].provider;
          const keys = signer.ed25519Keygen();
          const sig = signer.sign(data, keys.secretKey);
          for (const { provider } of all) {
            expect(provider.verify(data, sig, keys.publicKey)).toBe(true);
            expect(provider.verify(data, flip(sig, at), keys.publicKey)).toBe(false);
          }
        }),
        { numRuns: 30 },
      );
    });
  });
}
