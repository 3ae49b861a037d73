/** Identity on disk: made once with mode 0600, loaded the same next time, never silently replaced. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity, resolveDataDir } from '../../src/daemon/index.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import { fingerprint } from '../../src/wire/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'konnect-id-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('identity', () => {
  it('is created on first run with mode 0600 and is the same on the next', () => {
    const file = join(dir, 'identity.json');
    const first = loadOrCreateIdentity(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = loadOrCreateIdentity(file);
    expect(again.idHex).toBe(first.idHex);
    expect(Buffer.from(again.xPublic)).toEqual(Buffer.from(first.xPublic));
    expect(first.idHex).toMatch(/^[0-9a-f]{64}$/);
    expect(first.fingerprint).toBe(fingerprint(nodeCrypto, first.id));
    const sig = nodeCrypto.sign(Buffer.from('x'), again.signingKey);
    expect(nodeCrypto.verify(Buffer.from('x'), sig, first.id)).toBe(true);
  });

  it('a corrupt file is a clear IDENTITY_CORRUPT error and is left as it was', () => {
    const file = join(dir, 'identity.json');
    writeFileSync(file, '{ not json');
    expect(() => loadOrCreateIdentity(file)).toThrowError(
      expect.objectContaining({ code: 'IDENTITY_CORRUPT' }),
    );
    expect(readFileSync(file, 'utf8')).toBe('{ not json');
  });

  it('a foreign file is IDENTITY_FOREIGN, and keys of the wrong type are IDENTITY_CORRUPT', () => {
    const file = join(dir, 'identity.json');
    writeFileSync(file, JSON.stringify({ format: 'ssh', version: 1 }));
    expect(() => loadOrCreateIdentity(file)).toThrowError(
      expect.objectContaining({ code: 'IDENTITY_FOREIGN' }),
    );
    const good = JSON.parse(
      readFileSync((loadOrCreateIdentity(join(dir, 'other.json')), join(dir, 'other.json')), 'utf8'),
    );
    writeFileSync(file, JSON.stringify({ ...good, ed25519: good.x25519 }));
    expect(() => loadOrCreateIdentity(file)).toThrowError(
      expect.objectContaining({ code: 'IDENTITY_CORRUPT' }),
    );
  });

  it('a file loosened by hand is tightened back to 0600', () => {
    const file = join(dir, 'identity.json');
    loadOrCreateIdentity(file);
    chmodSync(file, 0o644);
    loadOrCreateIdentity(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('the data directory comes from --data-dir, then KONNECT_HOME, then XDG_DATA_HOME', () => {
    expect(resolveDataDir('/x/y', {})).toBe('/x/y');
    expect(resolveDataDir(undefined, { KONNECT_HOME: '/k' })).toBe('/k');
    expect(resolveDataDir(undefined, { XDG_DATA_HOME: '/xdg' })).toBe('/xdg/konnect');
    expect(resolveDataDir(undefined, { HOME: '/h' })).toMatch(/\.local\/share\/konnect$/);
  });
});
