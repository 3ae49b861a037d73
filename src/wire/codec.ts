/**
 * The one MessagePack configuration of the protocol: plain maps, arrays, strings, integers, binary.
 * `useRecords: false` keeps msgpackr's record extension off the wire so any MessagePack library reads it.
 */
import { Packr, Unpackr } from 'msgpackr';
import { WireError } from './errors.js';

const packr = new Packr({ useRecords: false, moreTypes: false, encodeUndefinedAsNil: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

/** Encodes a value; fields whose value is undefined are left out. */
export function packValue(value: unknown): Buffer {
  return packr.pack(stripUndefined(value));
}

/** Decodes exactly one MessagePack value filling all of `bytes`; anything else is FRAME_MALFORMED. */
export function unpackValue(bytes: Uint8Array): unknown {
  let values: unknown[];
  try {
    values = unpackr.unpackMultiple(bytes as Buffer) as unknown[];
  } catch (err) {
    throw new WireError('FRAME_MALFORMED', `invalid MessagePack: ${(err as Error).message}`, { cause: err });
  }
  if (!values || values.length !== 1) {
    throw new WireError('FRAME_MALFORMED', `a frame must hold exactly one MessagePack value, not ${values?.length ?? 0}`);
  }
  return values[0];
}

function stripUndefined(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || Array.isArray(value)) {
    return value;
  }
  let clean: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) {
      clean ??= { ...(value as Record<string, unknown>) };
      delete clean[k];
    }
  }
  return clean ?? value;
}
