/**
 * Pinned keys on disk (PROTOCOL.md §20): pins survive a restart, the file is written whole and renamed
 * (mode 0600, a failed write leaves the old file), and a corrupt file is reported clearly and replaced,
 * never a crash: a node with a corrupt pins.json starts, links and pins again.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Logger, NodeChatApi } from '../../src/daemon/index.js';
import { PinStore } from '../../src/daemon/trust/index.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

let dir: string;
let mesh: TestMesh | undefined;
afterEach(async () => {
  await mesh?.destroy();
  mesh = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const none = () => undefined;
  return { warnings, debug: none, info: none, error: none, warn: (m: string) => warnings.push(m) };
}

function store(file: string, logger = recordingLogger()) {
  const pins = new PinStore(file, logger);
  pins.load();
  return { pins, logger };
}

describe('pin store', () => {
  it('pins the first key per nick, keeps pins across a restart, trust and verify included', () => {
    dir = mkdtempSync(join(tmpdir(), 'konnect-pins-'));
    const file = join(dir, 'pins.json');
    const { pins } = store(file);
    expect(pins.observe('bob', KEY_A, 1000)).toBe('known');
    expect(pins.observe('bob', KEY_B, 2000)).toBe('new-key'); // a second key is never pinned by itself
    expect(pins.observe('carol', KEY_B, 3000)).toBe('known');
    pins.saveIfDirty();

    const again = store(file).pins;
    expect(again.get('bob')).toEqual({ key: KEY_A, firstSeen: 1000, verifiedAt: null });
    expect(again.state('bob', KEY_B)).toBe('new-key');
    expect(again.trust('bob', KEY_B, 4000)).toEqual({ key: KEY_B, firstSeen: 4000, verifiedAt: null });
    expect(again.verify('carol', KEY_B, 5000)).toEqual({ key: KEY_B, firstSeen: 3000, verifiedAt: 5000 });

    const third = store(file).pins;
    expect(third.state('bob', KEY_B)).toBe('known');
    expect(third.state('bob', KEY_A)).toBe('new-key');
    expect(third.state('carol', KEY_B)).toBe('verified');
  });

  it('writes the file whole and renames it: mode 0600, no temporary left, a failed write keeps the old file', () => {
    dir = mkdtempSync(join(tmpdir(), 'konnect-pins-'));
    const file = join(dir, 'pins.json');
    const { pins, logger } = store(file);
    pins.observe('bob', KEY_A, 1000);
    pins.save();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['pins.json']);
    const before = readFileSync(file, 'utf8');
    expect(JSON.parse(before)).toMatchObject({ version: 1, pins: { bob: { key: KEY_A } } });

    // The temporary file cannot be made (a directory is in its way): the write fails as a whole.
    const blocker = `${file}.${process.pid}.tmp`;
    mkdirSync(blocker);
    pins.observe('carol', KEY_B, 2000);
    expect(() => pins.save()).not.toThrow();
    expect(logger.warnings.some((w) => /could not save pinned keys/.test(w))).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(pins.pending).toBe(true); // tried again later
    rmSync(blocker, { recursive: true });
    pins.saveIfDirty();
    expect(JSON.parse(readFileSync(file, 'utf8')).pins.carol.key).toBe(KEY_B);
  });

  it('a corrupt file is reported clearly and the store starts empty; bad entries are skipped', () => {
    dir = mkdtempSync(join(tmpdir(), 'konnect-pins-'));
    const file = join(dir, 'pins.json');
    writeFileSync(file, '{"version":1,"pins":{"bob":{"key":"aaaa');
    const { pins, logger } = store(file);
    expect(logger.warnings).toEqual([`pinned keys ${file} is not valid JSON; starting without it`]);
    expect(pins.get('bob')).toBeUndefined();
    expect(pins.observe('bob', KEY_A, 1)).toBe('known');
    pins.saveIfDirty();
    expect(JSON.parse(readFileSync(file, 'utf8')).pins.bob.key).toBe(KEY_A);

    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        pins: {
          good: { key: KEY_A, firstSeen: 1, verifiedAt: null },
          'bad nick!': { key: KEY_A, firstSeen: 1 },
          short: { key: 'abc', firstSeen: 1 },
          timeless: { key: KEY_B },
          nothing: null,
        },
      }),
    );
    const mixed = store(file).pins;
    expect(mixed.get('good')).toEqual({ key: KEY_A, firstSeen: 1, verifiedAt: null });
    for (const nick of ['bad nick!', 'short', 'timeless', 'nothing']) expect(mixed.get(nick)).toBeUndefined();
  });

  it('a node whose pins.json is corrupt starts, links and pins again', async () => {
    dir = mkdtempSync(join(tmpdir(), 'konnect-pins-node-'));
    const dataDir = join(dir, 'node-0');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dataDir, 'pins.json'), '\u0000garbage{{{', { mode: 0o600 });
    mesh = await TestMesh.start(2, {
      baseDir: dir,
      nodeOptions: (i) => (i === 0 ? { dataDir, nick: 'alice' } : { nick: 'bob' }),
    });
    await mesh.waitConnected();
    const [a, b] = mesh.nodes;
    await waitFor(
      async () =>
        (await new NodeChatApi(a.node).peers()).find(
          (p) => p.id === b.node.identity.idHex && p.trust === 'known',
        ),
      'alice to pin bob after starting with a corrupt pins.json',
      { timeoutMs: 30_000 },
    );
    await waitFor(
      () => {
        try {
          return (
            JSON.parse(readFileSync(join(dataDir, 'pins.json'), 'utf8')).pins?.bob?.key ===
            b.node.identity.idHex
          );
        } catch {
          return false;
        }
      },
      'a valid pins.json holding bob',
      { timeoutMs: 30_000 },
    );
  });
});
