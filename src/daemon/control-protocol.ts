/**
 * The control socket protocol: the same framing as links (4-byte length + MessagePack), carrying
 * requests from a local client (CLI, attached TUI) and responses and events from the daemon.
 *   request   {kind:'req', rid, method, params}
 *   response  {kind:'res', rid, ok:true, result} | {kind:'res', rid, ok:false, error:{code, message}}
 *   event     {kind:'event', event: ChatEvent}   (after a `subscribe` request)
 */
import { isPlainObject, object, text, uint, WireError } from '../wire/index.js';
import type { ChatEvent } from './chat-api.js';

/** Largest control frame: a page of history (HISTORY_PAGE messages of up to 16 KiB text) fits. */
export const CONTROL_MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Messages per history request; a client asking for more pages through them. */
export const HISTORY_PAGE = 500;

export const CONTROL_METHODS = [
  'status',
  'peers',
  'history',
  'send',
  'setNick',
  'joinRoom',
  'leaveRoom',
  'resolvePeer',
  'setTopic',
  'topics',
  'setOpenDirects',
  'subscribe',
  'unsubscribe',
] as const;
export type ControlMethod = (typeof CONTROL_METHODS)[number];

export interface ControlRequest {
  kind: 'req';
  rid: number;
  method: ControlMethod;
  params: Record<string, unknown>;
}
export type ControlResponse =
  | { kind: 'res'; rid: number; ok: true; result: unknown }
  | { kind: 'res'; rid: number; ok: false; error: { code: string; message: string } };
export interface ControlEvent {
  kind: 'event';
  event: ChatEvent;
}

const request = object({ rid: uint(), method: text(32, { min: 1 }) });

export function parseControlRequest(value: unknown): ControlRequest | null {
  if (!isPlainObject(value) || value.kind !== 'req')
    throw new WireError('SCHEMA_INVALID', 'control: expected a request');
  const { rid, method } = request(value, 'req');
  if (!(CONTROL_METHODS as readonly string[]).includes(method)) {
    throw new WireError('SCHEMA_INVALID', `control: unknown method ${method}`);
  }
  const params = value.params === undefined ? {} : value.params;
  if (!isPlainObject(params)) throw new WireError('SCHEMA_INVALID', 'control: params must be a map');
  return { kind: 'req', rid, method: method as ControlMethod, params };
}

export function parseControlReply(value: unknown): ControlResponse | ControlEvent | null {
  if (!isPlainObject(value)) throw new WireError('SCHEMA_INVALID', 'control: expected a map');
  if (value.kind === 'event' && isPlainObject(value.event)) return value as unknown as ControlEvent;
  if (value.kind === 'res') {
    uint()(value.rid, 'res.rid');
    if (value.ok === false) object({ code: text(40), message: text(2000) })(value.error, 'res.error');
    return value as unknown as ControlResponse;
  }
  return null;
}
