/**
 * The ChatApi's private-room methods of the page (PROTOCOL.md §19), apart from web-peer.ts so that
 * the peer's own file stays about the link: joining derives the key in the page (a moment of scrypt),
 * keeps it, then joins the room as any room, so the page announces and syncs it by its opaque id.
 */
import type { ChatEvent, NodeStatus, PeerInfo, PrivateRoomInfo } from '../../daemon/chat-api.js';
import { checkRoom } from '../../wire/index.js';
import { PagePrivateRooms, type PagePrivateRoomsParts } from './page-private-rooms.js';
import { type PageTrustParts, TrustMethods } from './trust-methods.js';

/** What the page's private rooms and trust need of WebPeer's parts. */
export type PageFeatureParts = PagePrivateRoomsParts & PageTrustParts;

export abstract class PrivateRoomMethods extends TrustMethods {
  protected readonly priv: PagePrivateRooms;
  abstract joinRoom(name: string): Promise<void>;
  abstract leaveRoom(name: string): Promise<void>;
  abstract status(): Promise<NodeStatus>;
  abstract peers(): Promise<PeerInfo[]>;
  abstract subscribe(listener: (event: ChatEvent) => void): () => void;
  protected abstract emit(event: ChatEvent): void;

  constructor(parts: PageFeatureParts) {
    super(parts);
    this.priv = new PagePrivateRooms(
      parts,
      () => this.peers(),
      (event) => this.emit(event),
    );
    // A peer holding another key for a room joined here is told of (the node's 'other-key'). Subscribed
    // once the WebPeer is built: its listeners do not exist while this constructor runs.
    queueMicrotask(() =>
      this.subscribe((event) => {
        if (event.type === 'peer')
          void this.status().then(({ rooms }) => this.priv.peerSeen(event.peer, rooms));
      }),
    );
  }

  /** Joins a private room (WRONG_PASSPHRASE when its members hold another key). */
  async joinPrivateRoom(room: string, passphrase: string): Promise<void> {
    const name = checkRoom(room);
    await this.priv.addKey(name, passphrase);
    await this.enter(name);
    this.priv.said({ type: 'private-room', room: name, state: 'joined' });
    for (const peer of await this.peers()) this.priv.peerSeen(peer, [name]);
  }

  /** Moves a joined private room to a new passphrase; the old keys still open the old messages. */
  async rekeyRoom(room: string, passphrase: string): Promise<void> {
    const name = checkRoom(room);
    await this.priv.rekey(name, passphrase);
    await this.enter(name);
    this.priv.said({ type: 'private-room', room: name, state: 'rekeyed' });
  }

  async privateRooms(): Promise<PrivateRoomInfo[]> {
    return this.priv.list((await this.status()).rooms);
  }

  /**
   * Joins a room now known by its key: left first when it was joined (as a plain room, or on an older
   * key), so the page announces the room's new wire id and catches up on it as on any room joined.
   */
  private async enter(name: string): Promise<void> {
    await this.leaveRoom(name);
    await this.joinRoom(name);
  }
}
