/**
 * The contract between the node and its services. A service owns one concern of the chat (room
 * messages, direct messages, receipts, presence, topics, or a kind a test adds): the payload kinds it
 * reads, with the schema of each, what it does with one on delivery (what is stored, what the UI is
 * told) and what it sends. The node builds each from a factory given a NodeContext, registers its
 * kinds and calls it at the points below; adding a kind is one service file and one line in the list
 * of services (node.ts), or one entry in `components.services`.
 */
import type { AnyPayload, Check, MessageIdGenerator } from '../../wire/index.js';
import type { Clock } from '../../clock/index.js';
import type { ChatEvent, NodeStatus } from '../chat-api.js';
import type { Identity } from '../identity.js';
import type { Logger } from '../logger.js';
import type { FloodRouter, SignedMessage } from '../flood/index.js';
import type { Link, LinkManager, PeerTable } from '../links/index.js';
import type { MessageWriter } from '../history/index.js';

/** How a message came: flooded to us now, or fetched by history sync. */
export type Via = 'live' | 'sync';

/** The node's own state as services read it, always the current value. */
export interface NodeSelf {
  readonly nick: string;
  readonly roomList: readonly string[];
  readonly running: boolean;
  inRoom(room: string): boolean;
}

/** What a service is handed: the node's collaborators and parts. */
export interface NodeContext {
  readonly identity: Identity;
  readonly clock: Clock;
  /** A number in [0, 1), for jitter. */
  readonly random: () => number;
  /** The node's message ids (time-ordered within a millisecond), fed by `random`. */
  readonly ids: MessageIdGenerator;
  readonly logger: Logger;
  readonly peerTable: PeerTable;
  readonly links: LinkManager;
  readonly router: FloodRouter;
  readonly writer: MessageWriter;
  readonly self: NodeSelf;
  emit(event: ChatEvent): void;
}

/** One payload kind: its schema on the wire and what a node does with one. */
export interface PayloadKind<P extends AnyPayload = AnyPayload> {
  readonly kind: P['kind'];
  /** Checks the decoded map (origin fields included); see PAYLOAD_SCHEMAS in src/wire/payloads.ts. */
  readonly schema: Check<object>;
  /** Whether this node's own messages of the kind, coming back by history sync, are delivered. */
  readonly ownToo?: boolean;
  /** A new, verified message; true when it was taken (sync counts it, and passes it on). */
  deliver(payload: P, signed: SignedMessage, via: Via): boolean;
}

export interface NodeService {
  /** The kinds it reads; `any` because each kind narrows its own payload type. */
  readonly payloadKinds?: readonly PayloadKind<any>[];
  /** The node is running (links listen): first announcements, timers. */
  start?(): void;
  /** The node stops, its links still up; `graceful` false is a crash: nothing is sent. */
  stop?(graceful: boolean): void;
  /** The links are closed: last writes to disk. */
  close?(): void;
  /** A link came up: what the new neighbour should hear at once. */
  linkUp?(link: Link): void;
  /** A link closed (not one replaced by a duplicate's twin: those are not reported). */
  linkDown?(link: Link): void;
  /** What it adds to the node's status (the web service: the page's address). */
  status?(): Partial<NodeStatus>;
}

export type ServiceFactory = (context: NodeContext) => NodeService;
