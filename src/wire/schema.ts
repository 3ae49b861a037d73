/**
 * A tiny validator for decoded MessagePack values. Hand-written rather than a schema library because
 * it runs on the relay hot path (every frame of every link) and must check exact byte lengths of
 * binary fields; each failure is a WireError('SCHEMA_INVALID') naming the field and what was expected.
 */
import { utf8Length } from './bytes.js';
import { WireError } from './errors.js';

export type Check<T> = (value: unknown, path: string) => T;

function fail(path: string, expected: string): never {
  throw new WireError('SCHEMA_INVALID', `${path}: expected ${expected}`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export const uint =
  (max = Number.MAX_SAFE_INTEGER): Check<number> =>
  (value, path) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
      fail(path, `an integer from 0 to ${max}`);
    }
    return value;
  };

export const bool: Check<boolean> = (value, path) => {
  if (typeof value !== 'boolean') fail(path, 'a boolean');
  return value;
};

/** Binary of an exact length, or of `min..max` bytes when `max` is given. */
export const bytes =
  (min: number, max = min): Check<Uint8Array> =>
  (value, path) => {
    if (!(value instanceof Uint8Array)) fail(path, 'binary');
    if (value.length < min || value.length > max) {
      fail(path, min === max ? `${min} bytes` : `${min} to ${max} bytes`);
    }
    return value;
  };

const LONE_SURROGATE = /\p{Cs}/u;

export const text =
  (maxChars: number, opts: { pattern?: RegExp; maxBytes?: number; min?: number } = {}): Check<string> =>
  (value, path) => {
    if (typeof value !== 'string') fail(path, 'a string');
    const min = opts.min ?? 0;
    // Length in code points, as people count characters; the byte bound is checked separately.
    const chars = value.length > 2 * maxChars ? maxChars + 1 : countCodePoints(value);
    if (chars < min || chars > maxChars) fail(path, `${min} to ${maxChars} characters`);
    // A lone surrogate cannot be written as UTF-8: msgpackr would emit invalid bytes that peers refuse.
    if (LONE_SURROGATE.test(value)) fail(path, 'well-formed Unicode text');
    // UTF-8 takes at most 3 bytes per UTF-16 unit: most texts are below the bound without counting.
    if (
      opts.maxBytes !== undefined &&
      3 * value.length > opts.maxBytes &&
      utf8Length(value) > opts.maxBytes
    ) {
      fail(path, `at most ${opts.maxBytes} bytes of UTF-8`);
    }
    if (opts.pattern && !opts.pattern.test(value)) fail(path, `text matching ${opts.pattern}`);
    return value;
  };

export const oneOf =
  <T extends string>(...allowed: T[]): Check<T> =>
  (value, path) => {
    if (typeof value !== 'string' || !(allowed as string[]).includes(value)) fail(path, allowed.join(' | '));
    return value as T;
  };

export const list =
  <T>(item: Check<T>, maxItems: number): Check<T[]> =>
  (value, path) => {
    if (!Array.isArray(value)) fail(path, 'an array');
    if (value.length > maxItems) fail(path, `at most ${maxItems} items`);
    const out = new Array<T>(value.length);
    for (let i = 0; i < value.length; i++) {
      try {
        out[i] = item(value[i], path);
      } catch (err) {
        // Checks are pure: run it again with the item's own path, which throws the error to report.
        // (Building that path for every item, on every frame, was a string allocation per id.)
        item(value[i], `${path}[${i}]`);
        throw err;
      }
    }
    return out;
  };

export const optional =
  <T>(check: Check<T>): Check<T | undefined> =>
  (value, path) =>
    value === undefined || value === null ? undefined : check(value, path);

function countCodePoints(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

type Shape = Record<string, Check<unknown>>;
type Parsed<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

/** An object with the given fields; unknown fields are dropped (forward compatibility). */
export const object = <S extends Shape>(shape: S): Check<Parsed<S>> => {
  const keys = Object.keys(shape);
  return (value, path) => {
    if (!isPlainObject(value)) fail(path, 'a map');
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const v = Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
      let parsed: unknown;
      try {
        parsed = shape[key](v, path);
      } catch (err) {
        // As in list(): the field's path is built only to report a failure.
        shape[key](v, `${path}.${key}`);
        throw err;
      }
      if (parsed !== undefined) out[key] = parsed;
    }
    return out as Parsed<S>;
  };
};
