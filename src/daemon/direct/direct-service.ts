/**
 * Direct messages (`direct` payloads): sealed to the recipient's X25519 key, sent on a direct link
 * when there is one and flooded as ciphertext otherwise; opened, stored and answered with a receipt
 * on arrival. Those to a page of this node whose tab is closed, and those its pages send until their
 * receipt goes by, are kept for the recipient's next link (leaf-mailbox.ts).
 */
import {
  type CryptoProvider,
  decodeDirectPlaintext,
  directAad,
  type DirectPayload,
  encodeDirectPlaintext,
  fromHex,
  isKonnectError,
  type NodeIdHex,
  openDirect,
  type ReceiptPayload,
  PAYLOAD_SCHEMAS,
  sealDirect,
  toHex,
  UsageError,
} from '../../wire/index.js';
import type { SignedMessage } from '../flood/index.js';
import type { ChatMessage } from '../chat-api.js';
import type { Link } from '../links/index.js';
import type { NodeContext, NodeService, PayloadKind, Via } from '../services/index.js';
import { LeafMailbox } from './leaf-mailbox.js';

export class DirectService implements NodeService {
  readonly payloadKinds: readonly PayloadKind<DirectPayload>[];
  readonly mailbox = new LeafMailbox();

  constructor(
    private readonly ctx: NodeContext,
    private readonly crypto: CryptoProvider,
  ) {
    this.payloadKinds = [
      {
        kind: 'direct',
        schema: PAYLOAD_SCHEMAS.direct,
        // Our own coming back through sync is not opened: it is sealed to the peer.
        deliver: (payload, signed, via) => this.deliver(payload, signed, via),
      },
    ];
  }

  send(peerId: NodeIdHex, text: string, action: boolean): ChatMessage {
    const { peerTable, identity, clock, router, writer, self, ids } = this.ctx;
    const peer = peerTable.get(peerId);
    if (!peer) throw new UsageError('UNKNOWN_PEER', `no known peer ${peerId.slice(0, 12)}`);
    if (!peer.xkey)
      throw new UsageError('UNKNOWN_PEER', `no key known yet for ${peer.nick}; wait until it is online`);
    const now = clock.now();
    const id = ids.next(now);
    const to = fromHex(peerId);
    const box = sealDirect(
      this.crypto,
      encodeDirectPlaintext({ nick: self.nick, text, action: action || undefined }),
      peer.xkey,
      directAad(id, identity.id, to),
    );
    const payload: DirectPayload = { kind: 'direct', id, from: identity.id, ts: now, to, box };
    // A direct link carries it alone; otherwise it floods as ciphertext that only the recipient opens.
    const signed = router.originate(payload, peer.link ? { only: peer.link, hops: 1 } : {});
    if (!peer.link && this.mailbox.isClosedPage(peerId)) this.mailbox.hold(peerId, signed, now);
    return writer.storeOwn(payload, signed, { room: null, peer: peerId, text, action, nick: self.nick });
  }

  linkUp(link: Link): void {
    if (!link.remoteIdHex) return;
    for (const signed of this.mailbox.linkUp(link.remoteIdHex, link.leaf))
      this.ctx.router.sendTo(link, signed);
  }

  linkDown(link: Link): void {
    const page = link.remoteIdHex;
    // The same page may have linked again already (a second tab, a phone back on the network).
    if (link.leaf && page && this.ctx.links.linkTo(page)?.state !== 'up') this.mailbox.pageDown(page);
  }

  private deliver(payload: DirectPayload, signed: SignedMessage, via: Via): boolean {
    const { identity, logger, writer, clock } = this.ctx;
    const to = toHex(payload.to);
    if (to !== identity.idHex) {
      this.keepForLater(to, toHex(payload.from), signed, clock.now());
      return false;
    }
    const from = toHex(payload.from);
    let plain;
    try {
      plain = decodeDirectPlaintext(
        openDirect(
          this.crypto,
          payload.box,
          identity.xPrivate,
          identity.xPublic,
          directAad(payload.id, payload.from, payload.to),
        ),
      );
    } catch (err) {
      logger.warn('a direct message did not open', {
        from: from.slice(0, 12),
        error: isKonnectError(err) ? err.code : String(err),
      });
      return false;
    }
    const fresh = writer.storeReceived(
      signed,
      {
        scope: `dm:${from}`,
        room: null,
        peer: from,
        payload,
        nick: plain.nick,
        text: plain.text,
        action: plain.action ?? false,
      },
      via,
    );
    if (fresh) this.sendReceipt(payload.from, payload.id);
    return fresh;
  }

  /** A direct message going by that no flood may bring to `to` (leaf-mailbox.ts): kept for its next link. */
  private keepForLater(to: NodeIdHex, from: NodeIdHex, signed: SignedMessage, now: number): void {
    if (this.mailbox.isClosedPage(to) || this.mailbox.isPage(from)) this.mailbox.hold(to, signed, now);
  }

  /** A receipt going by, from `payload.from` to one of our pages: what it confirms is not kept longer. */
  receiptPassing(payload: ReceiptPayload): void {
    if (this.mailbox.isPage(toHex(payload.to))) this.mailbox.drop(toHex(payload.from), payload.of);
  }

  private sendReceipt(to: Uint8Array, of: Uint8Array): void {
    const { self, clock, links, router, identity, ids } = this.ctx;
    if (!self.running) return;
    const now = clock.now();
    const link = links.linkTo(toHex(to));
    router.originate(
      { kind: 'receipt', id: ids.next(now), from: identity.id, ts: now, to, of },
      link ? { only: link, hops: 1 } : {},
    );
  }
}
