/**
 * The control socket protocol: the same framing as links (4-byte length + MessagePack), carrying
 * requests from a local client (CLI, attached TUI) and responses and events from the daemon.
 *   request   {kind:'req', rid, method, params}
 *   response  {kind:'res', rid, ok:true, result} | {kind:'res', rid, ok:false, error:{code, message}}
 *   event     {kind:'event', event: ChatEvent}   (after a `subscribe` request)
 * Which methods exist and what their params hold is the method table's business (chat-methods.ts); this
 * file knows only the envelope.
 */
import { isPlainObject, type KonnectError, object, text, uint, WireError } from '../../wire/index.js';
import type { ChatEvent } from '../chat-api.js';

/** Largest control frame: a page of history (HISTORY_PAGE messages of up to 16 KiB text) fits. */
export const CONTROL_MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Messages per history request; a client asking for more pages through them. */
export const HISTORY_PAGE = 500;
/** Longest method name a request may carry. */
const MAX_METHOD_CHARS = 64;
/** Longest error message a reply carries (a client refuses longer ones). */
const MAX_ERROR_MESSAGE_CHARS = 2000;

export interface ControlRequest {
  kind: 'req';
  rid: number;
  method: string;
  params: unknown;
}
export type ControlResponse =
  | { kind: 'res'; rid: number; ok: true; result: unknown }
  | { kind: 'res'; rid: number; ok: false; error: { code: string; message: string } };
export interface ControlEvent {
  kind: 'event';
  event: ChatEvent;
}

const envelope = object({ rid: uint(), method: text(MAX_METHOD_CHARS, { min: 1 }) });

/**
 * A decoded frame as a request, or why it is not one with the rid to answer under (0 when even the
 * rid cannot be read). The frames around it are still in step, so the connection goes on.
 */
export function parseControlRequest(
  value: unknown,
): { ok: true; request: ControlRequest } | { ok: false; rid: number; error: KonnectError } {
  const rid = isPlainObject(value) && isRid(value.rid) ? value.rid : 0;
  if (!isPlainObject(value) || value.kind !== 'req')
    return { ok: false, rid, error: new WireError('SCHEMA_INVALID', 'control: expected a request') };
  try {
    const { method } = envelope(value, 'req');
    return { ok: true, request: { kind: 'req', rid, method, params: value.params } };
  } catch (err) {
    return { ok: false, rid, error: err as KonnectError };
  }
}

const isRid = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** The error a reply carries, for a request that failed. */
export function errorReply(rid: number, err: KonnectError): ControlResponse {
  const message =
    err.message.length > MAX_ERROR_MESSAGE_CHARS
      ? `${[...err.message].slice(0, MAX_ERROR_MESSAGE_CHARS - 1).join('')}…`
      : err.message;
  return { kind: 'res', rid, ok: false, error: { code: err.code, message } };
}

export function parseControlReply(value: unknown): ControlResponse | ControlEvent | null {
  if (!isPlainObject(value)) throw new WireError('SCHEMA_INVALID', 'control: expected a map');
  if (value.kind === 'event' && isPlainObject(value.event)) return value as unknown as ControlEvent;
  if (value.kind === 'res') {
    uint()(value.rid, 'res.rid');
    if (value.ok === false)
      object({ code: text(40), message: text(MAX_ERROR_MESSAGE_CHARS) })(value.error, 'res.error');
    return value as unknown as ControlResponse;
  }
  return null;
}
