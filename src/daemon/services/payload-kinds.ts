/**
 * The one table of payload kinds: each service's kinds registered with their schema (into the wire's
 * PayloadRegistry, which the flood router decodes and signs with) and their delivery handler. Every
 * verified message, flooded or synced, is handed to its kind's service from here.
 */
import { type AnyPayload, type NodeIdHex, PayloadRegistry, toHex } from '../../wire/index.js';
import type { Clock } from '../../clock/index.js';
import type { SignedMessage } from '../flood/index.js';
import type { PeerTable } from '../links/index.js';
import type { NodeService, PayloadKind, Via } from './service.js';

export class PayloadKinds {
  /** The schemas, for the wire codec. */
  readonly registry = new PayloadRegistry();
  private readonly kinds = new Map<string, PayloadKind>();

  constructor(
    private readonly self: NodeIdHex,
    private readonly peerTable: PeerTable,
    private readonly clock: Clock,
  ) {}

  /** Registers a service's kinds. Throws on a kind two services claim. */
  add(service: NodeService): void {
    for (const kind of service.payloadKinds ?? []) {
      this.registry.register(kind.kind, kind.schema);
      this.kinds.set(kind.kind, kind);
    }
  }

  /** Hands a verified message to its kind's service; true when it was taken. */
  deliver(payload: AnyPayload, signed: SignedMessage, via: Via): boolean {
    const kind = this.kinds.get(payload.kind);
    if (!kind) return false;
    const from = toHex(payload.from);
    if (from === this.self && !kind.ownToo) return false;
    const entry = this.peerTable.get(from);
    if (entry) entry.lastSeen = this.clock.now();
    return kind.deliver(payload, signed, via);
  }
}
