/**
 * History sync as a node service: a reconciliation per link (sync-coordinator.ts) over the `sync-*`
 * link kinds, and the way in for what it fetches, verified and delivered like any flooded message,
 * then passed on to the other links.
 */
import { messageIdToString } from '../../wire/index.js';
import type { AnyPayload } from '../../wire/index.js';
import type { SignedMessage } from '../flood/index.js';
import type { Link } from '../links/index.js';
import type { Clock } from '../../clock/index.js';
import type { ChatEvent } from '../chat-api.js';
import type { Identity } from '../identity.js';
import type { Logger } from '../logger.js';
import type { FloodRouter } from '../flood/index.js';
import type { LinkManager, PeerTable } from '../links/index.js';
import type { MessageWriter } from './message-writer.js';
import type { HistoryStore } from './store.js';
import { type Apply, SyncCoordinator } from './sync-coordinator.js';
import type { SyncMessage } from './sync-session.js';

const SYNC_KINDS = ['sync-digest', 'sync-ids', 'sync-want', 'sync-msgs', 'sync-done'] as const;

/** What history sync is handed: a NodeContext (services/service.ts) fits it; narrower, so history does not depend on the service contract built on it. */
export interface SyncServiceContext {
  readonly self: {
    readonly roomList: readonly string[];
    readonly running: boolean;
    inRoom(room: string): boolean;
  };
  readonly peerTable: PeerTable;
  readonly clock: Clock;
  readonly identity: Identity;
  readonly logger: Logger;
  readonly links: LinkManager;
  readonly router: FloodRouter;
  readonly writer: MessageWriter;
  emit(event: ChatEvent): void;
}

/** A node service (services/service.ts) by shape: linkUp and linkDown. */
export class SyncService {
  private readonly coordinator: SyncCoordinator;

  constructor(
    private readonly ctx: SyncServiceContext,
    store: HistoryStore,
    private readonly deliver: (payload: AnyPayload, signed: SignedMessage, via: 'sync') => boolean,
  ) {
    const { self, peerTable, clock, identity, logger, links } = ctx;
    this.coordinator = new SyncCoordinator({
      node: {
        get roomList() {
          return self.roomList;
        },
        inRoom: (room) => self.inRoom(room),
        peerTable,
        clock,
        identity,
      },
      store,
      ingest: (signed, link) => this.ingest(signed, link),
      onDone: (link, count, scope) => {
        if (count === 0) return;
        logger.info('caught up', { count, from: link.remoteHello!.nick, scope });
        ctx.emit({ type: 'sync', peer: link.remoteIdHex!, nick: link.remoteHello!.nick, count, scope });
      },
    });
    // Digests and id lists are read from the store: messages still waiting in the writer's batch
    // (received within the last WRITE_BATCH_MS, or learned by a sync just before) are written first,
    // or a link that comes up meanwhile is told the node lacks them and never gets them (a page
    // linking to a node that had just caught up from another missed what it caught up on).
    // sync-msgs reads nothing from the store (the writer's has() sees what waits and what is in
    // flight): a flush for each would write, on the loop, the rows the worker is writing too, and in a
    // catch-up that was a fifth of the loop's time.
    links.messages.handle(SYNC_KINDS, (link, message) => {
      if (message.kind !== 'sync-msgs') ctx.writer.flush();
      this.coordinator.handle(link, message as SyncMessage);
    });
  }

  linkUp(link: Link): void {
    this.ctx.writer.flush();
    this.coordinator.linkUp(link);
  }

  linkDown(link: Link): void {
    this.coordinator.linkDown(link);
  }

  roomJoined(room: string): void {
    this.ctx.writer.flush();
    this.coordinator.roomJoined(room);
  }

  /**
   * A message learned by history sync: verified like any other, then (the returned Apply, called when
   * its batch's turn comes) stored and passed on to other links. Null when it is held already or
   * dropped.
   */
  private async ingest(signed: SignedMessage, link: Link): Promise<Apply | null> {
    const { writer, router, self } = this.ctx;
    if (writer.has(messageIdToString(signed.id))) return null;
    const checked = await router.check(signed, link);
    if (!checked || checked.payload === 'ignored') return null;
    const { payload, from } = checked;
    return () => {
      if (!self.running) return false;
      const fresh = this.deliver(payload, signed, 'sync');
      if (fresh) router.relay(signed, from, link);
      return fresh;
    };
  }
}
