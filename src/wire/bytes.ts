/** Byte views. */

/**
 * `bytes` as a Buffer, without copying: itself when it is one (decoded fields are), else a view of the
 * same memory. On the relay path this runs several times per frame, and the view it spares was
 * garbage every time.
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
