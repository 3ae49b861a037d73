/**
 * One error base for the whole project. Every condition has a stable `code` that scripts, tests and
 * the `error` frame on the wire can rely on; messages are for people and may change.
 * It lives in src/wire because wire is the bottom layer and imports nothing of the project.
 */

export const ERROR_CODES = {
  // wire: framing and validation (also sent as the `code` of an `error` frame before a link closes)
  FRAME_TOO_LARGE: 'a frame declared a length above the link limit',
  FRAME_MALFORMED: 'a frame body is not valid MessagePack',
  SCHEMA_INVALID: 'a message does not match its schema',
  // crypto
  SIGNATURE_INVALID: 'a signature does not verify',
  SEAL_INVALID: 'a sealed direct message cannot be opened',
  KEY_INVALID: 'a key has the wrong type or length',
  // identity and storage
  IDENTITY_CORRUPT: 'the identity file cannot be read',
  IDENTITY_FOREIGN: 'the identity file is not a konnect identity of a supported version',
  DATABASE_CORRUPT: 'the history database is unreadable',
  DATABASE_UNAVAILABLE: 'the history database cannot be opened',
  DATABASE_WRITE_FAILED: 'the history database could not be written or flushed to disk',
  // links
  HANDSHAKE_FAILED: 'the peer did not prove its key',
  HANDSHAKE_TIMEOUT: 'the handshake did not complete in time',
  VERSION_MISMATCH: 'the peer speaks another protocol version',
  SELF_LINK: 'the peer is this node',
  DUPLICATE_LINK: 'another link to this peer is kept',
  LINK_LIMIT: 'this node has no room for another link',
  PEER_TIMEOUT: 'the peer stopped answering pings',
  SEND_QUEUE_FULL: 'the peer does not read fast enough',
  PROTOCOL_VIOLATION: 'the peer sent a message out of order',
  RATE_LIMITED: 'the peer sent more than its share of messages for too long',
  // node and API use
  USAGE: 'the command or its arguments are wrong',
  NO_DAEMON: 'no daemon is running for this data directory',
  ALREADY_RUNNING: 'a node is already running for this data directory',
  UNKNOWN_PEER: 'no known peer matches',
  AMBIGUOUS_PEER: 'several known peers match',
  NOT_RUNNING: 'the node is not running',
  INVALID_ARGUMENT: 'an argument is out of range',
  ACCESS_DENIED: 'this user may not open a file or socket konnect needs',
  NOT_IN_ROOM: 'this node has not joined that room',
  // files (PROTOCOL.md §21)
  FILE_TOO_LARGE: 'a file is larger than this node takes',
  UNKNOWN_FILE: 'no file offered or held matches',
  NO_SPACE: 'not enough free disk space for a file',
  // private rooms (PROTOCOL.md §19)
  WRONG_PASSPHRASE: 'the passphrase gives another key than the members of that room hold',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class KonnectError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERROR_CODES[code], options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A frame or message that cannot be accepted; the link that sent it is closed with this code. */
export class WireError extends KonnectError {}
/** A signature or seal that fails: the message is dropped and counted against the sender. */
export class CryptoError extends KonnectError {}
/** The identity or the database on disk cannot be used as it is. */
export class StorageError extends KonnectError {}
/** A link that failed or had to be closed. */
export class LinkError extends KonnectError {}
/** The caller used the API or the CLI wrongly (unknown peer, bad flag, bad argument). */
export class UsageError extends KonnectError {}

export function isKonnectError(err: unknown): err is KonnectError {
  return err instanceof KonnectError;
}
