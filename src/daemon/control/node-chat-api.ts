/** ChatApi over an in-process KonnectNode (the TUI without a separate daemon). */
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
} from '../chat-api.js';
import type { KonnectNode } from '../node.js';
import type { FileInfo } from '../chat-api.js';
import { filesOf } from '../files/index.js';

export class NodeChatApi implements ChatApi {
  constructor(private readonly node: KonnectNode) {}

  async status(): Promise<NodeStatus> {
    return this.node.status();
  }
  async peers(): Promise<PeerInfo[]> {
    return this.node.peers();
  }
  async history(query: HistoryQuery): Promise<ChatMessage[]> {
    return this.node.history(query);
  }
  async send(to: ConversationRef, text: string, options?: { action?: boolean }): Promise<ChatMessage> {
    return this.node.sendDurable(to, text, options);
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
    return this.node.resolvePeer(query);
  }
  subscribe(listener: (event: ChatEvent) => void): () => void {
    this.node.on('event', listener);
    return () => this.node.off('event', listener);
  }
  async close(): Promise<void> {
    // the node's owner stops it
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
}
