/**
 * Signing, sealing, the handshake transcript and fingerprints on the node's provider (src/crypto-node):
 * each checked against its documented construction (PROTOCOL.md) and against tampering of any single
 * byte, and against node:crypto itself. What every provider must do is in crypto-conformance.test.ts.
 */
import fc from 'fast-check';
import { createDecipheriv, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ed25519PublicKey,
  nodeCrypto,
  rawPublicKey,
  rawSecretKey,
  rawVerifiers,
  rawVerifyBackend,
  verifyRaw,
  verifyWithKey as verify,
  x25519PublicKey,
} from '../../src/crypto-node/index.js';
import {
  CryptoError,
  directAad as wireDirectAad,
  fingerprint as wireFingerprint,
  helloTranscript as wireHelloTranscript,
  MESSAGE_ID_BYTES,
  newMessageId,
  NODE_ID_BYTES,
  openDirect as wireOpenDirect,
  SEAL_OVERHEAD_BYTES,
  sealDirect as wireSealDirect,
  SIGNATURE_BYTES,
  strictEd25519,
} from '../../src/wire/index.js';
import { identityRSignature, SMALL_ORDER_FORGERY } from '../helpers/ed25519-edge.js';

const sign = nodeCrypto.sign;
// The wire returns plain Uint8Arrays; these tests compare with Buffer's methods.
const asBuf = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
const sealDirect = (plain: Uint8Array, to: Uint8Array, aad: Uint8Array) =>
  asBuf(wireSealDirect(nodeCrypto, plain, to, aad));
const openDirect = (box: Uint8Array, secret: Uint8Array, recipient: Uint8Array, aad: Uint8Array) =>
  asBuf(wireOpenDirect(nodeCrypto, box, secret, recipient, aad));
const directAad = (id: Uint8Array, from: Uint8Array, to: Uint8Array) => asBuf(wireDirectAad(id, from, to));
const fingerprint = (id: Uint8Array) => wireFingerprint(nodeCrypto, id);
const helloTranscript = (a: Uint8Array, b: Uint8Array, c: Uint8Array, d: Uint8Array) =>
  asBuf(wireHelloTranscript(a, b, c, d));

function cryptoErrorOf(fn: () => unknown): CryptoError {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof CryptoError))
      throw new Error(`expected a CryptoError, got ${String(err)}`, { cause: err });
    return err;
  }
  throw new Error('expected a throw, got none');
}

const flip = (bytes: Uint8Array, index: number, mask = 0x01): Buffer => {
  const copy = Buffer.from(bytes);
  copy[index] ^= mask;
  return copy;
};

interface Ed {
  /** The raw seed, as providers take it. */
  privateKey: Uint8Array;
  id: Uint8Array;
  publicKey: KeyObject;
}
function edKeys(): Ed {
  const kp = generateKeyPairSync('ed25519');
  const id = rawPublicKey(kp.publicKey);
  return { privateKey: rawSecretKey(kp.privateKey), id, publicKey: ed25519PublicKey(id) };
}
function xKeys() {
  const kp = generateKeyPairSync('x25519');
  return { key: kp.privateKey, privateKey: rawSecretKey(kp.privateKey), raw: rawPublicKey(kp.publicKey) };
}

describe('ed25519 signing', () => {
  let alice: Ed;
  let bob: Ed;
  beforeAll(() => {
    alice = edKeys();
    bob = edKeys();
  });

  it('matches RFC 8032 test vector 1 (raw 32-byte keys as on the wire)', () => {
    const privateKey = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
    const publicRaw = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
    const expected =
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';
    expect(Buffer.from(sign(new Uint8Array(0), privateKey)).toString('hex')).toBe(expected);
    expect(
      verify(
        new Uint8Array(0),
        Buffer.from(expected, 'hex'),
        ed25519PublicKey(Buffer.from(publicRaw, 'hex')),
      ),
    ).toBe(true);
  });

  it('a signature verifies with the signer key, over exactly the signed bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (data) => {
        const sig = sign(data, alice.privateKey);
        expect(sig).toHaveLength(SIGNATURE_BYTES);
        expect(verify(data, sig, alice.publicKey)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('altering any single byte of the payload makes it fail', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (data, at, mask) => {
          const sig = sign(data, alice.privateKey);
          expect(verify(flip(data, at % data.length, mask), sig, alice.publicKey)).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('altering any single byte of the signature makes it fail', () => {
    const data = Buffer.from('konnect');
    const sig = sign(data, alice.privateKey);
    for (let i = 0; i < SIGNATURE_BYTES; i++) expect(verify(data, flip(sig, i), alice.publicKey)).toBe(false);
  });

  it('appending or removing a byte of the payload makes it fail', () => {
    const data = Buffer.from('hello world');
    const sig = sign(data, alice.privateKey);
    expect(verify(Buffer.concat([data, Buffer.from([0])]), sig, alice.publicKey)).toBe(false);
    expect(verify(data.subarray(0, -1), sig, alice.publicKey)).toBe(false);
  });

  it('another key fails', () => {
    const data = Buffer.from('from alice');
    expect(verify(data, sign(data, alice.privateKey), bob.publicKey)).toBe(false);
  });

  it('a signature of the wrong length fails (false, never a throw)', () => {
    const data = Buffer.from('x');
    const sig = Buffer.from(sign(data, alice.privateKey));
    for (const bad of [sig.subarray(0, 63), Buffer.concat([sig, Buffer.from([0])]), Buffer.alloc(0)]) {
      expect(verify(data, bad, alice.publicKey)).toBe(false);
    }
  });

  it('any 32 bytes import as a key; garbage keys and signatures verify false, never throw', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (key, sig) => {
          expect(verify(Buffer.from('m'), sig, ed25519PublicKey(key))).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a key of the wrong length → CryptoError KEY_INVALID', () => {
    expect(cryptoErrorOf(() => ed25519PublicKey(new Uint8Array(31))).code).toBe('KEY_INVALID');
    expect(cryptoErrorOf(() => ed25519PublicKey(new Uint8Array(33))).code).toBe('KEY_INVALID');
    expect(cryptoErrorOf(() => x25519PublicKey(new Uint8Array(31))).code).toBe('KEY_INVALID');
  });

  it('rawPublicKey gives back the 32 bytes a key was made from', () => {
    expect(Buffer.from(rawPublicKey(ed25519PublicKey(alice.id))).equals(Buffer.from(alice.id))).toBe(true);
    expect(alice.id).toHaveLength(NODE_ID_BYTES);
  });
});

describe('verifyRaw: verification by raw key, on libsodium and on node:crypto', () => {
  it('uses libsodium where sodium-native ships a binary for the platform, node:crypto elsewhere', () => {
    const prebuilt = existsSync(
      new URL(
        `../../node_modules/sodium-native/prebuilds/${process.platform}-${process.arch}/sodium-native.node`,
        import.meta.url,
      ),
    );
    expect(rawVerifyBackend).toBe(prebuilt ? 'libsodium' : 'node:crypto');
    expect(verifyRaw).toBe(rawVerifiers[rawVerifyBackend]);
  });

  it('both refuse what only OpenSSL accepts: R of small order, a key of small order', () => {
    const alice = edKeys();
    const message = Buffer.from('an R of order 1');
    const sig = identityRSignature(alice.privateKey, alice.id, message);
    // The cases are real: node:crypto's own verify accepts both.
    expect(verify(message, sig, alice.publicKey)).toBe(true);
    const { publicKey, signature } = SMALL_ORDER_FORGERY;
    expect(verify(Buffer.from('any message at all'), signature, ed25519PublicKey(publicKey))).toBe(true);
    expect(strictEd25519(sig, alice.id)).toBe(false);
    expect(strictEd25519(signature, publicKey)).toBe(false);
    for (const check of [rawVerifiers.libsodium, rawVerifiers['node:crypto']]) {
      if (!check) continue;
      expect(check(message, sig, alice.id)).toBe(false);
      expect(check(Buffer.from('any message at all'), signature, publicKey)).toBe(false);
    }
    // A non-canonical key (y = p + 3, all bits of y set but the low byte): refused by both.
    const nonCanonical = Buffer.alloc(32, 0xff);
    nonCanonical[0] = 0xf0;
    nonCanonical[31] = 0x7f;
    expect(strictEd25519(sign(message, alice.privateKey), nonCanonical)).toBe(false);
    expect(strictEd25519(sign(message, alice.privateKey), alice.id)).toBe(true);
  });

  const backends = Object.entries(rawVerifiers).filter(
    (entry): entry is [string, NonNullable<(typeof rawVerifiers)['libsodium']>] => entry[1] !== null,
  );
  describe.each(backends)('%s', (_name, check) => {
    let alice: Ed;
    let bob: Ed;
    beforeAll(() => {
      alice = edKeys();
      bob = edKeys();
    });

    it('matches RFC 8032 test vectors 1 and 2', () => {
      const vectors = [
        [
          'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
          '',
          'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
        ],
        [
          '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
          '72',
          '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
        ],
      ];
      for (const [key, message, sig] of vectors) {
        const [k, m, s] = [key, message, sig].map((h) => Buffer.from(h, 'hex'));
        expect(check(m, s, k)).toBe(true);
        expect(check(m, flip(s, 0), k)).toBe(false);
      }
    });

    it('agrees with node:crypto verify on genuine and tampered signatures', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 512 }), fc.nat(), (data, at) => {
          const sig = sign(data, alice.privateKey);
          expect(check(data, sig, alice.id)).toBe(true);
          expect(check(data, sig, bob.id)).toBe(false);
          const bad = flip(sig, at % SIGNATURE_BYTES);
          expect(check(data, bad, alice.id)).toBe(verify(data, bad, alice.publicKey));
          expect(check(data, bad, alice.id)).toBe(false);
          if (data.length > 0) expect(check(flip(data, at % data.length), sig, alice.id)).toBe(false);
        }),
        { numRuns: 50 },
      );
    });

    it('garbage keys and signatures, and wrong lengths, verify false and never throw', () => {
      const data = Buffer.from('m');
      const sig = sign(data, alice.privateKey);
      expect(check(data, sig.subarray(0, 63), alice.id)).toBe(false);
      expect(check(data, Buffer.concat([sig, Buffer.from([0])]), alice.id)).toBe(false);
      expect(check(data, sig, alice.id.subarray(0, 31))).toBe(false);
      expect(check(data, sig, new Uint8Array(33))).toBe(false);
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.uint8Array({ minLength: 64, maxLength: 64 }),
          (key, garbage) => {
            expect(check(data, garbage, key)).toBe(false);
          },
        ),
        { numRuns: 200 },
      );
    });
  });
});

describe('sealing direct messages', () => {
  const id = newMessageId();
  const from = new Uint8Array(32).fill(1);
  const to = new Uint8Array(32).fill(2);
  const aad = directAad(id, from, to);
  let bob: ReturnType<typeof xKeys>;
  let carol: ReturnType<typeof xKeys>;
  beforeAll(() => {
    bob = xKeys();
    carol = xKeys();
  });

  it('round-trips, with the documented overhead, and a fresh box each time', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (plain) => {
        const box = sealDirect(plain, bob.raw, aad);
        expect(box).toHaveLength(plain.length + SEAL_OVERHEAD_BYTES);
        expect(Buffer.from(openDirect(box, bob.privateKey, bob.raw, aad)).equals(Buffer.from(plain))).toBe(
          true,
        );
      }),
      { numRuns: 50 },
    );
    const a = sealDirect(Buffer.from('same'), bob.raw, aad);
    const b = sealDirect(Buffer.from('same'), bob.raw, aad);
    expect(a.equals(b)).toBe(false); // fresh ephemeral key and nonce
    expect(SEAL_OVERHEAD_BYTES).toBe(32 + 12 + 16);
  });

  it('follows the construction PROTOCOL.md documents (an independent opener reads it)', () => {
    const plain = Buffer.from('meet at noon');
    const box = sealDirect(plain, bob.raw, aad);
    const eph = box.subarray(0, 32);
    const nonce = box.subarray(32, 44);
    const tag = box.subarray(box.length - 16);
    const ciphertext = box.subarray(44, box.length - 16);
    const shared = diffieHellman({ privateKey: bob.key, publicKey: x25519PublicKey(eph) });
    const key = Buffer.from(
      hkdfSync('sha256', shared, Buffer.concat([eph, bob.raw]), Buffer.from('konnect/1 direct'), 32),
    );
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    decipher.setAAD(Buffer.concat([Buffer.from('konnect/1 direct'), id, from, to]), {
      plaintextLength: ciphertext.length,
    });
    decipher.setAuthTag(tag);
    expect(Buffer.concat([decipher.update(ciphertext), decipher.final()]).equals(plain)).toBe(true);
    expect(aad.equals(Buffer.concat([Buffer.from('konnect/1 direct'), id, from, to]))).toBe(true);
    expect(aad).toHaveLength(16 + MESSAGE_ID_BYTES + 64);
  });

  it("another recipient's key fails with SEAL_INVALID", () => {
    const box = sealDirect(Buffer.from('for bob'), bob.raw, aad);
    expect(cryptoErrorOf(() => openDirect(box, carol.privateKey, carol.raw, aad)).code).toBe('SEAL_INVALID');
    // Even with the right private key, the wrong recipient public key changes the derived key.
    expect(cryptoErrorOf(() => openDirect(box, bob.privateKey, carol.raw, aad)).code).toBe('SEAL_INVALID');
  });

  it('flipping any bit of any byte of the box fails with SEAL_INVALID', () => {
    const box = sealDirect(Buffer.from('integrity matters'), bob.raw, aad);
    fc.assert(
      fc.property(fc.nat({ max: box.length - 1 }), fc.integer({ min: 0, max: 7 }), (at, bit) => {
        expect(
          cryptoErrorOf(() => openDirect(flip(box, at, 1 << bit), bob.privateKey, bob.raw, aad)).code,
        ).toBe('SEAL_INVALID');
      }),
      { numRuns: 300 },
    );
  });

  it('changing the AAD (id, sender or recipient) fails with SEAL_INVALID', () => {
    const box = sealDirect(Buffer.from('bound to its header'), bob.raw, aad);
    const others = [
      directAad(newMessageId(), from, to),
      directAad(id, to, to),
      directAad(id, from, from),
      flip(aad, aad.length - 1),
      aad.subarray(0, aad.length - 1),
    ];
    for (const other of others) {
      expect(cryptoErrorOf(() => openDirect(box, bob.privateKey, bob.raw, other)).code).toBe('SEAL_INVALID');
    }
  });

  it('a box shorter than the overhead fails with SEAL_INVALID; exactly the overhead is an empty message', () => {
    for (let n = 0; n < SEAL_OVERHEAD_BYTES; n += 7) {
      expect(cryptoErrorOf(() => openDirect(new Uint8Array(n), bob.privateKey, bob.raw, aad)).code).toBe(
        'SEAL_INVALID',
      );
    }
    expect(
      cryptoErrorOf(() => openDirect(new Uint8Array(SEAL_OVERHEAD_BYTES - 1), bob.privateKey, bob.raw, aad))
        .code,
    ).toBe('SEAL_INVALID');
    const empty = sealDirect(new Uint8Array(0), bob.raw, aad);
    expect(empty).toHaveLength(SEAL_OVERHEAD_BYTES);
    expect(openDirect(empty, bob.privateKey, bob.raw, aad)).toHaveLength(0);
  });

  it('low-order X25519 keys are refused with a typed error, when sealing and when opening', () => {
    const lowOrder = [new Uint8Array(32), Uint8Array.from([1, ...new Uint8Array(31)])];
    for (const key of lowOrder) {
      expect(cryptoErrorOf(() => sealDirect(Buffer.from('x'), key, aad)).code).toBe('KEY_INVALID');
      const box = Buffer.concat([key, Buffer.alloc(12 + 16 + 4)]);
      expect(cryptoErrorOf(() => openDirect(box, bob.privateKey, bob.raw, aad)).code).toBe('SEAL_INVALID');
    }
  });

  it('a box opened with an ed25519 private key (wrong key type) fails with SEAL_INVALID', () => {
    const box = sealDirect(Buffer.from('x'), bob.raw, aad);
    expect(cryptoErrorOf(() => openDirect(box, edKeys().privateKey, bob.raw, aad)).code).toBe('SEAL_INVALID');
  });
});

describe('helloTranscript', () => {
  const part = fc.uint8Array({ minLength: 32, maxLength: 32 });

  it('is "konnect/1 hello" ‖ signer id ‖ peer id ‖ peer nonce ‖ signer nonce', () => {
    const [a, b, c, d] = [1, 2, 3, 4].map((v) => new Uint8Array(32).fill(v));
    const t = helloTranscript(a, b, c, d);
    expect(t.subarray(0, 15).toString('latin1')).toBe('konnect/1 hello');
    expect(t).toHaveLength(15 + 4 * 32);
    expect([...t.subarray(15)].map((x, i) => x === 1 + Math.floor(i / 32))).not.toContain(false);
  });

  it('differs when any byte of any input differs', () => {
    fc.assert(
      fc.property(
        part,
        part,
        part,
        part,
        fc.integer({ min: 0, max: 3 }),
        fc.nat({ max: 31 }),
        (a, b, c, d, which, at) => {
          const inputs = [a, b, c, d];
          const changed = inputs.map((x, i) => (i === which ? flip(x, at) : x));
          const t1 = helloTranscript(inputs[0], inputs[1], inputs[2], inputs[3]);
          const t2 = helloTranscript(changed[0], changed[1], changed[2], changed[3]);
          expect(t1.equals(t2)).toBe(false);
        },
      ),
    );
  });

  it('differs when the roles are swapped, so one side cannot reflect the other side’s ack', () => {
    fc.assert(
      fc.property(part, part, part, part, (a, b, na, nb) => {
        fc.pre(!Buffer.from(a).equals(Buffer.from(b)) || !Buffer.from(na).equals(Buffer.from(nb)));
        expect(helloTranscript(a, b, nb, na).equals(helloTranscript(b, a, na, nb))).toBe(false);
      }),
    );
  });

  it('an ack signed over the transcript verifies exactly as the handshake describes', () => {
    const alice = edKeys();
    const bob = edKeys();
    const aliceNonce = new Uint8Array(32).fill(0xaa);
    const bobNonce = new Uint8Array(32).fill(0xbb);
    // Alice signs (ownId, peerId, peerNonce, ownNonce); Bob checks (peerId, ownId, ownNonce, peerNonce).
    const ack = sign(helloTranscript(alice.id, bob.id, bobNonce, aliceNonce), alice.privateKey);
    expect(verify(helloTranscript(alice.id, bob.id, bobNonce, aliceNonce), ack, alice.publicKey)).toBe(true);
    expect(verify(helloTranscript(alice.id, bob.id, aliceNonce, bobNonce), ack, alice.publicKey)).toBe(false);
  });
});

describe('fingerprint', () => {
  it('has the form xxxx-xxxx in lower-case base32', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (id) => {
        expect(fingerprint(id)).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}$/);
      }),
    );
  });

  it('is stable for a key and matches pinned vectors (SHA-256, first 40 bits, RFC 4648 base32)', () => {
    // Computed once with Python's hashlib and base64.b32encode, independently of this code.
    expect(fingerprint(new Uint8Array(32))).toBe('mzuh-vlpy');
    expect(fingerprint(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe('mmg4-2klg');
    const rfc8032 = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex');
    expect(fingerprint(rfc8032)).toBe('eh7d-dx5b');
    expect(fingerprint(rfc8032)).toBe(fingerprint(Buffer.from(rfc8032)));
  });

  it('differs across keys', () => {
    const seen = new Map<string, string>();
    for (let i = 0; i < 2000; i++) {
      const id = edKeys().id;
      const fp = fingerprint(id);
      const hex = Buffer.from(id).toString('hex');
      // 40 bits: a collision among 2,000 keys has probability ~2e-6.
      expect(seen.get(fp) ?? hex).toBe(hex);
      seen.set(fp, hex);
    }
  });
});
