/**
 * ChatApi over an in-process KonnectNode (the TUI without a separate daemon, and what the control
 * socket serves). Messages, peers and events leave through the node's trust services (trust/), so
 * every view carries the same NEW KEY marks, 'read' and "seen by N/M".
 */
import type {
  ChatApi,
  ChatEvent,
  ChatMessage,
  ConversationRef,
  HistoryQuery,
  NodeStatus,
  NodeIdHex,
  PeerInfo,
  RoomTopic,
  SafetyCode,
} from '../chat-api.js';
import type { KonnectNode } from '../node.js';
import type { FileInfo } from '../chat-api.js';
import { filesOf } from '../files/index.js';
import type { PrivateRoomInfo } from '../chat-api.js';
import { isPrivateRoomId } from '../../wire/index.js';
import {
  joinPrivateRoom,
  privateRoomList,
  privateRoomsOf,
  rekeyPrivateRoom,
} from '../private-rooms/index.js';

export class NodeChatApi implements ChatApi {
  constructor(private readonly node: KonnectNode) {}

  async status(): Promise<NodeStatus> {
    return this.node.status();
  }
  async peers(): Promise<PeerInfo[]> {
    return this.node.peers().map((p) => this.node.trust.peer(p));
  }
  async history(query: HistoryQuery): Promise<ChatMessage[]> {
    // A private room's rows are opened, and rooms this node cannot open are left out (§19).
    const rows = privateRoomsOf(this.node)?.history(query, (q) => this.node.history(q));
    return (rows ?? this.node.history(query)).map((m) => this.node.trust.message(m));
  }
  async send(to: ConversationRef, text: string, options?: { action?: boolean }): Promise<ChatMessage> {
    return this.node.trust.message(await this.node.sendDurable(to, text, options));
  }
  async setNick(nick: string): Promise<void> {
    this.node.setNick(nick);
  }
  async joinRoom(room: string): Promise<void> {
    this.node.joinRoom(room);
  }
  async leaveRoom(room: string): Promise<void> {
    this.node.leaveRoom(room);
  }
  async setTopic(room: string, topic: string): Promise<void> {
    this.node.setTopic(room, topic);
  }
  async topics(): Promise<RoomTopic[]> {
    return this.node.topics.list();
  }
  async setOpenDirects(peers: NodeIdHex[]): Promise<void> {
    this.node.setOpenDirects(peers);
  }
  async resolvePeer(query: string): Promise<PeerInfo> {
    return this.node.trust.peer(this.node.resolvePeer(query));
  }
  subscribe(listener: (event: ChatEvent) => void): () => void {
    const decorated = (event: ChatEvent) => {
      // A message of an opaque room this node cannot open (it only carries it) is not for the UI.
      if (event.type === 'message' && event.message.room !== null && isPrivateRoomId(event.message.room))
        return;
      listener(this.node.trust.event(event));
    };
    this.node.on('event', decorated);
    return () => this.node.off('event', decorated);
  }
  async close(): Promise<void> {
    // the node's owner stops it
  }

  // ---- Trust, read and seen markers (PROTOCOL.md §20) ----
  async trustPeer(query: string): Promise<PeerInfo> {
    return this.node.trust.trustPeer(query);
  }
  async safetyCode(query: string): Promise<SafetyCode> {
    return this.node.trust.safetyCode(query);
  }
  async verifyPeer(query: string): Promise<PeerInfo> {
    return this.node.trust.verifyPeer(query);
  }
  async setShownConversation(ref: ConversationRef | null): Promise<void> {
    this.node.trust.setShown(ref ?? null);
  }
  // files (PROTOCOL.md §21)
  async sendFile(to: ConversationRef, path: string): Promise<FileInfo> {
    return filesOf(this.node).send(to, path);
  }
  async files(): Promise<FileInfo[]> {
    return filesOf(this.node).list();
  }
  async getFile(id: string): Promise<FileInfo> {
    return filesOf(this.node).get(id);
  }
  // private rooms (PROTOCOL.md §19)
  async joinPrivateRoom(room: string, passphrase: string): Promise<void> {
    await joinPrivateRoom(this.node, room, passphrase);
  }
  async rekeyRoom(room: string, passphrase: string): Promise<void> {
    await rekeyPrivateRoom(this.node, room, passphrase);
  }
  async privateRooms(): Promise<PrivateRoomInfo[]> {
    return privateRoomList(this.node);
  }
}
