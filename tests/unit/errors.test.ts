/**
 * The error table: every code in ERROR_CODES builds an error with that code and its default message,
 * belongs to exactly one subclass, is a SCREAMING_SNAKE name, and fits in the `code` field of an
 * `error` frame (so any of them can be sent to a peer).
 */
import { describe, expect, it } from 'vitest';
import {
  CryptoError,
  ERROR_CODES,
  type ErrorCode,
  isKonnectError,
  KonnectError,
  LinkError,
  MAX_ERROR_CODE_CHARS,
  StorageError,
  UsageError,
  WireError,
} from '../../src/wire/index.js';

type ErrorClass = typeof WireError;

/** The subclass each code is raised as. A new code must be added here, or the first test fails. */
const SUBCLASS: Record<ErrorCode, ErrorClass> = {
  FRAME_TOO_LARGE: WireError,
  FRAME_MALFORMED: WireError,
  SCHEMA_INVALID: WireError,
  SIGNATURE_INVALID: CryptoError,
  SEAL_INVALID: CryptoError,
  KEY_INVALID: CryptoError,
  IDENTITY_CORRUPT: StorageError,
  IDENTITY_FOREIGN: StorageError,
  DATABASE_CORRUPT: StorageError,
  DATABASE_UNAVAILABLE: StorageError,
  DATABASE_WRITE_FAILED: StorageError,
  HANDSHAKE_FAILED: LinkError,
  HANDSHAKE_TIMEOUT: LinkError,
  VERSION_MISMATCH: LinkError,
  SELF_LINK: LinkError,
  DUPLICATE_LINK: LinkError,
  LINK_LIMIT: LinkError,
  PEER_TIMEOUT: LinkError,
  SEND_QUEUE_FULL: LinkError,
  PROTOCOL_VIOLATION: LinkError,
  RATE_LIMITED: LinkError,
  USAGE: UsageError,
  NO_DAEMON: UsageError,
  ALREADY_RUNNING: UsageError,
  UNKNOWN_PEER: UsageError,
  AMBIGUOUS_PEER: UsageError,
  NOT_RUNNING: UsageError,
  INVALID_ARGUMENT: UsageError,
  ACCESS_DENIED: UsageError,
  NOT_IN_ROOM: UsageError,
  // files (PROTOCOL.md §21)
  FILE_TOO_LARGE: UsageError,
  UNKNOWN_FILE: UsageError,
  NO_SPACE: StorageError,
  // private rooms (PROTOCOL.md §19)
  WRONG_PASSPHRASE: UsageError,
};
const SUBCLASSES: ErrorClass[] = [WireError, CryptoError, StorageError, LinkError, UsageError];
const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe('ERROR_CODES', () => {
  it('lists exactly the codes of the subclass table', () => {
    expect([...codes].sort()).toEqual(Object.keys(SUBCLASS).sort());
  });

  it('has unique SCREAMING_SNAKE codes that fit an error frame, and unique non-empty default messages', () => {
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) {
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(code.length).toBeLessThanOrEqual(MAX_ERROR_CODE_CHARS);
      expect(ERROR_CODES[code].length).toBeGreaterThan(0);
    }
    const messages = codes.map((c) => ERROR_CODES[c]);
    expect(new Set(messages).size).toBe(messages.length);
  });
});

describe.each(codes)('%s', (code) => {
  it('builds a KonnectError with the code and the default message', () => {
    const err = new KonnectError(code);
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(KonnectError);
    expect(err.code).toBe(code);
    expect(err.message).toBe(ERROR_CODES[code]);
    expect(err.name).toBe('KonnectError');
    expect(isKonnectError(err)).toBe(true);
  });

  it(`built as ${SUBCLASS[code]?.name ?? '(unclassified)'}, is an instance of it and of no other subclass`, () => {
    const Subclass = SUBCLASS[code];
    expect(Subclass, `add ${code} to the SUBCLASS table`).toBeDefined();
    const err = new Subclass(code);
    expect(err).toBeInstanceOf(Subclass);
    expect(err).toBeInstanceOf(KonnectError);
    expect(err.name).toBe(Subclass.name);
    expect(err.code).toBe(code);
    expect(err.message).toBe(ERROR_CODES[code]);
    for (const other of SUBCLASSES.filter((c) => c !== Subclass)) expect(err).not.toBeInstanceOf(other);
  });

  it('keeps a custom message and a cause', () => {
    const cause = new Error('root');
    const err = new (SUBCLASS[code] ?? KonnectError)(code, 'custom words', { cause });
    expect(err.message).toBe('custom words');
    expect(err.cause).toBe(cause);
    expect(err.code).toBe(code);
  });
});

describe('isKonnectError', () => {
  it('is false for other errors and non-errors', () => {
    for (const value of [
      new Error('x'),
      new TypeError('x'),
      { code: 'USAGE', message: 'x' },
      'USAGE',
      null,
      undefined,
    ]) {
      expect(isKonnectError(value)).toBe(false);
    }
  });
});
