/**
 * What the page writes: payloads built, encoded, checked and signed in the page (the node relays the
 * bytes verbatim), and room and direct messages as the rows the page stores. Direct messages are
 * sealed here to the recipient's X25519 key exactly as PROTOCOL.md §11 says, so the serving node
 * carries only ciphertext.
 */
import type { ChatMessage } from '../../daemon/chat-api.js';
import {
  type CryptoProvider,
  DEFAULT_HOPS,
  directAad,
  encodeDirectPlaintext,
  encodeFloodFrame,
  encodePayload,
  FRAME_HEADER_BYTES,
  fromHex,
  MessageIdGenerator,
  messageIdFromString,
  messageIdToString,
  type NodeIdHex,
  type Payload,
  sealDirect,
  toHex,
  UsageError,
} from '../../wire/index.js';
import type { PeerStore, StoredRow } from './peer-store.js';
import type { WebIdentity } from './web-identity.js';
import type { WsLink } from './ws-link.js';

/** Own direct messages without a receipt sent again on each new link (receivers drop duplicates). */
const RESEND_UNDELIVERED = 50;

/** The payload fields the page fills in itself. */
type Draft = Payload extends infer P ? (P extends Payload ? Omit<P, 'id' | 'from' | 'ts'> : never) : never;

export interface Signed {
  id: Uint8Array;
  idText: string;
  ts: number;
  payload: Uint8Array;
  sig: Uint8Array;
}

export class Outbound {
  private readonly ids = new MessageIdGenerator();

  constructor(
    private readonly identity: WebIdentity,
    private readonly crypto: CryptoProvider,
  ) {}

  /** A payload made, checked (encodePayload refuses what peers would) and signed. */
  sign(draft: Draft | ((id: Uint8Array, ts: number) => Draft)): Signed {
    const ts = Date.now();
    const id = this.ids.next(ts);
    const fields = typeof draft === 'function' ? draft(id, ts) : draft;
    const payload = encodePayload({ ...fields, id, from: this.identity.id, ts } as Payload);
    return {
      id,
      idText: messageIdToString(id),
      ts,
      payload,
      sig: this.crypto.sign(payload, this.identity.secretKey),
    };
  }

  /** A room message, signed, and its row. */
  chat(room: string, nick: string, text: string, action: boolean): { signed: Signed; row: StoredRow } {
    const signed = this.sign({ kind: 'chat', room, nick, text, action: action || undefined });
    const message: ChatMessage = {
      id: signed.idText,
      room,
      peer: null,
      direct: false,
      from: this.identity.idHex,
      nick,
      ts: signed.ts,
      text,
      action,
      own: true,
      status: null,
      via: 'local',
      future: false,
    };
    return { signed, row: { ...message, conv: `room:${room}`, payload: signed.payload, sig: signed.sig } };
  }

  /** A direct message sealed to `xkey`, signed, and its row (which keeps the text for this page only). */
  direct(
    peer: NodeIdHex,
    xkey: Uint8Array | null,
    nick: string,
    text: string,
    action: boolean,
  ): { signed: Signed; row: StoredRow } {
    if (!xkey)
      throw new UsageError('UNKNOWN_PEER', 'no key known yet for this peer; wait until it is online');
    const to = fromHex(peer);
    const plain = encodeDirectPlaintext({ nick, text, action: action || undefined });
    const signed = this.sign((id) => ({
      kind: 'direct',
      to,
      box: sealDirect(this.crypto, plain, xkey, directAad(id, this.identity.id, to)),
    }));
    const message: ChatMessage = {
      id: signed.idText,
      room: null,
      peer,
      direct: true,
      from: this.identity.idHex,
      nick,
      ts: signed.ts,
      text,
      action,
      own: true,
      status: 'sent',
      via: 'local',
      future: false,
    };
    return { signed, row: { ...message, conv: `dm:${peer}`, payload: signed.payload, sig: signed.sig } };
  }
}

/** The `flood` frame body (no length prefix: a WebSocket message has its own length). */
export function floodBody(
  s: { id: Uint8Array; payload: Uint8Array; sig: Uint8Array },
  hops = DEFAULT_HOPS,
): Uint8Array {
  return encodeFloodFrame(s.id, hops, s.payload, s.sig).subarray(FRAME_HEADER_BYTES);
}

/**
 * Flood bodies of own direct messages still without a receipt, oldest first, as first signed: sent
 * again on a new link, since a recipient that was away gets no copy from anyone else (only the two
 * ends keep a direct conversation). Receivers drop a copy they hold.
 */
export function resendBodies(rows: readonly StoredRow[], linkedTo: NodeIdHex): Uint8Array[] {
  return [...rows]
    .reverse()
    .map((row) =>
      floodBody(
        { id: messageIdFromString(row.id), payload: row.payload, sig: row.sig },
        row.peer === linkedTo ? 1 : DEFAULT_HOPS,
      ),
    );
}

/** Own direct messages without a receipt (to `only`, or to anyone), sent again on `link` while current. */
export async function resendUndelivered(
  store: PeerStore,
  link: WsLink | null,
  current: () => WsLink | null,
  only?: string,
): Promise<void> {
  if (!link?.remoteHello) return;
  const rows = (await store.undelivered(RESEND_UNDELIVERED)).filter(
    (row) => only === undefined || row.peer === only,
  );
  for (const body of resendBodies(rows, toHex(link.remoteHello.id)))
    if (current() !== link || !link.sendBody(body)) return;
}
