/**
 * The node's keys: ed25519 (its id; signs everything it writes) and X25519 (direct messages are sealed
 * to it). Made on first run and kept in `identity.json` with mode 0600. A file that exists but cannot be
 * used is an error the user must resolve: it is never silently replaced, since that would change who
 * this node is and lose its direct conversations.
 */
import { createPrivateKey, type KeyObject, createPublicKey } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { nodeCrypto, rawPublicKey, rawSecretKey } from '../crypto-node/index.js';
import { fingerprint, StorageError, toHex, type NodeIdHex } from '../wire/index.js';

export interface Identity {
  id: Uint8Array;
  idHex: NodeIdHex;
  fingerprint: string;
  /** The ed25519 seed (raw 32 bytes, as every CryptoProvider takes it). */
  signingKey: Uint8Array;
  xPublic: Uint8Array;
  /** The X25519 secret (raw 32 bytes). */
  xPrivate: Uint8Array;
}

const FORMAT = 'konnect-identity';
const VERSION = 1;

interface IdentityFile {
  format: string;
  version: number;
  ed25519: string; // PKCS#8 DER, base64
  x25519: string;
}

export function generateIdentity(): Identity {
  const ed = nodeCrypto.ed25519Keygen();
  const x = nodeCrypto.x25519Keygen();
  return {
    id: ed.publicKey,
    idHex: toHex(ed.publicKey),
    fingerprint: fingerprint(nodeCrypto, ed.publicKey),
    signingKey: ed.secretKey,
    xPublic: x.publicKey,
    xPrivate: x.secretKey,
  };
}

function fromKeys(signingKey: KeyObject, xPrivate: KeyObject): Identity {
  const id = rawPublicKey(createPublicKey(signingKey));
  return {
    id,
    idHex: toHex(id),
    fingerprint: fingerprint(nodeCrypto, id),
    signingKey: rawSecretKey(signingKey),
    xPublic: rawPublicKey(createPublicKey(xPrivate)),
    xPrivate: rawSecretKey(xPrivate),
  };
}

/** PKCS#8 DER of a raw secret key, as identity.json has always kept it. */
function pkcs8(raw: Uint8Array, type: 'ed25519' | 'x25519'): string {
  const prefix = type === 'ed25519' ? '302e020100300506032b657004220420' : '302e020100300506032b656e04220420';
  return Buffer.concat([Buffer.from(prefix, 'hex'), raw]).toString('base64');
}

/** Loads the identity in `file`, or creates it (mode 0600) when there is none. */
export function loadOrCreateIdentity(file: string): Identity {
  if (!existsSync(file)) {
    const identity = generateIdentity();
    const body: IdentityFile = {
      format: FORMAT,
      version: VERSION,
      ed25519: pkcs8(identity.signingKey, 'ed25519'),
      x25519: pkcs8(identity.xPrivate, 'x25519'),
    };
    writeFileSync(file, JSON.stringify(body, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    return identity;
  }
  return loadIdentity(file);
}

export function loadIdentity(file: string): Identity {
  let parsed: Partial<IdentityFile>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<IdentityFile>;
  } catch (err) {
    throw new StorageError(
      'IDENTITY_CORRUPT',
      `identity file ${file} is not readable JSON; move it away to start with a new identity`,
      {
        cause: err,
      },
    );
  }
  if (parsed?.format !== FORMAT || parsed.version !== VERSION) {
    throw new StorageError(
      'IDENTITY_FOREIGN',
      `${file} is not a konnect identity of version ${VERSION}; move it away to start with a new identity`,
    );
  }
  try {
    const ed = createPrivateKey({
      key: Buffer.from(parsed.ed25519 ?? '', 'base64'),
      format: 'der',
      type: 'pkcs8',
    });
    const x = createPrivateKey({
      key: Buffer.from(parsed.x25519 ?? '', 'base64'),
      format: 'der',
      type: 'pkcs8',
    });
    if (ed.asymmetricKeyType !== 'ed25519' || x.asymmetricKeyType !== 'x25519') {
      throw new Error(`key types ${ed.asymmetricKeyType}/${x.asymmetricKeyType}`);
    }
    // Tighten a file that was loosened by hand: it holds private keys.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return fromKeys(ed, x);
  } catch (err) {
    throw new StorageError(
      'IDENTITY_CORRUPT',
      `identity file ${file} holds no valid keys; move it away to start with a new identity`,
      {
        cause: err,
      },
    );
  }
}
