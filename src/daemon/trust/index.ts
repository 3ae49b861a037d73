/**
 * src/daemon/trust: pinned keys and safety codes, read and seen markers (PROTOCOL.md §20). `Trust`
 * wires the two services into a node and decorates what the node shows (messages, peers, events), so
 * every view gets the trust marks, 'read' and "seen by N/M" the same way.
 */
import type { CryptoProvider } from '../../wire/index.js';
import type { ChatEvent, ChatMessage, ConversationRef, PeerInfo, SafetyCode } from '../chat-api.js';
import type { HistoryStore } from '../history/index.js';
import type { NodeContext, NodeService } from '../services/index.js';
import { MarkerService } from './marker-service.js';
import { TrustService } from './trust-service.js';

export {
  comparePositions,
  MARKER_INTERVAL_MS,
  MarkerBatcher,
  type MarkerPacing,
  type Position,
  SEEN_MS_PER_MEMBER,
  seenIntervalMs,
} from './marker-batcher.js';
export { type MarkerStats, MarkerService } from './marker-service.js';
export { MAX_PINS, type Pin, PIN_SAVE_DELAY_MS, PinStore } from './pin-store.js';
export { ReadPositions } from './read-positions.js';
export { roomWireId } from './room-wire-id.js';
export { type SeenCount, SeenTracker } from './seen-tracker.js';
export { TrustService } from './trust-service.js';

/** What of the node the trust services use beyond the NodeContext. */
export interface TrustHost {
  resolvePeer(query: string): PeerInfo;
  /** The node's events, where stored messages are heard. */
  on(event: 'event', listener: (event: ChatEvent) => void): unknown;
}

export interface TrustInit {
  crypto: Pick<CryptoProvider, 'sha256'>;
  store: HistoryStore;
  files: { pins: string; reads: string };
  /** Send read markers when a direct conversation is on screen. @default true */
  readReceipts?: boolean;
  node: TrustHost;
}

export class Trust {
  readonly pins: TrustService;
  readonly markers: MarkerService;

  constructor(ctx: NodeContext, init: TrustInit) {
    this.pins = new TrustService(ctx, init.crypto, init.files.pins, (q) => init.node.resolvePeer(q));
    this.markers = new MarkerService(ctx, init.store, init.files.reads, init.readReceipts ?? true);
    init.node.on('event', (event) => this.markers.onEvent(event));
  }

  get services(): NodeService[] {
    return [this.pins, this.markers];
  }

  message(m: ChatMessage): ChatMessage {
    return this.markers.message(this.pins.message(m));
  }

  peer(p: PeerInfo): PeerInfo {
    return this.pins.peer(p);
  }

  /** An event as the UI sees it: its message or peer decorated. */
  event(event: ChatEvent): ChatEvent {
    if (event.type === 'message') return { ...event, message: this.message(event.message) };
    if (event.type === 'peer') return { ...event, peer: this.peer(event.peer) };
    return event;
  }

  trustPeer(query: string): PeerInfo {
    return this.pins.trustPeer(query);
  }
  safetyCode(query: string): SafetyCode {
    return this.pins.safetyCode(query);
  }
  verifyPeer(query: string): PeerInfo {
    return this.pins.verifyPeer(query);
  }
  setShown(ref: ConversationRef | null): void {
    this.markers.setShown(ref);
  }
}
