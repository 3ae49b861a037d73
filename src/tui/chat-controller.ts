/**
 * The TUI's link to the node: turns ChatApi events into model changes, and what the person does (a line
 * submitted, a page up, a switch) into ChatApi calls. Knows nothing of React or the terminal; the App
 * tells it the pane size so scrolling can count rows.
 */
import type { ChatApi, ChatEvent, ChatMessage, ConversationRef, HistoryQuery } from '../daemon/index.js';
import { ChatModel, sanitizeMessage } from './chat-model.js';
import { privateRoomEventLine, runCommand } from './command-runner.js';
import { parseInput } from './commands.js';
import type { Conversation } from './conversation.js';
import { connectionChanged, keepLostLine, peerWhileDetached } from './connection.js';
import { describeError, errorCode } from './errors.js';
import { mentions } from './format.js';
import { pageScroll } from './page-scroll.js';
import { OpenDirects } from './open-directs.js';
import { Receipts } from './receipts.js';
import type { ControllerPort } from './controller-port.js';
import { fileChanged, loadFiles } from './file-events.js';
import type { LocalFiles } from './local-files.js';
import { loadTopics, topicChanged } from './topics.js';
import { mergeProgress } from './trust-marks.js';
import { TrustUi } from './trust-view.js';
import { linkLine, nameFor, syncLine, presenceLines, refOf, statusChanged } from './event-lines.js';

export interface ChatControllerOptions {
  /** The room shown first (joined if the node is not in it yet). */
  room: string;
  /** Rings the terminal bell. */
  bell: () => void;
  /** The person asked to quit. */
  quit: () => void;
  /** Messages per history page. @default 200 */
  historyPage?: number;
  /** Draws a QR code as lines of text, for /web. @default none (/web then shows the address only) */
  qrCode?: (text: string) => Promise<string[]>;
  /** This machine's files, for /send and its path completion. @default none (/send says so) */
  localFiles?: LocalFiles;
  /** How often the peers are re-read. @default PEER_REFRESH_MS */
  peerRefreshMs?: number;
  /** The line said when the node is lost. @default the terminal's (connection.ts terminalLostLine) */
  lostLine?: (reason: string) => string;
}

/** How often the peers pane re-reads RTTs and reachability from the node. */
export const PEER_REFRESH_MS = 5000;

export class ChatController implements ControllerPort {
  readonly model: ChatModel;
  private readonly historyPage: number;
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  private readonly receipts = new Receipts();
  /** NEW KEY warnings, read and seen marks, the conversation on screen (PROTOCOL.md §20). */
  readonly trust = new TrustUi();
  readonly openDirects: OpenDirects;
  readonly qrCode?: (text: string) => Promise<string[]>;
  readonly localFiles?: LocalFiles;
  /** The history pane's size, set by the App at each render. */
  layout = { width: 80, height: 20 };

  constructor(
    readonly api: ChatApi,
    model: ChatModel,
    private readonly options: ChatControllerOptions,
  ) {
    this.model = model;
    this.historyPage = options.historyPage ?? 200;
    this.qrCode = options.qrCode;
    this.localFiles = options.localFiles;
    this.openDirects = new OpenDirects(api, model);
    // The first room is there from the first frame, before the node has answered anything.
    model.show(model.open({ kind: 'room', room: options.room }).key);
  }

  /** Subscribes to events, then learns who we are, the peers, and the first room's history. */
  async start(): Promise<void> {
    const { api, model } = this;
    try {
      this.unsubscribe = api.subscribe((event) => this.handleEvent(event));
      const status = await api.status();
      if (this.stopped) return;
      model.status = status;
      model.setSelf({ id: status.id, nick: status.nick, fingerprint: status.fingerprint });
      for (const room of status.rooms) model.open({ kind: 'room', room });
      // The direct conversations open when the last UI closed (kept in the data directory).
      this.openDirects.restore(status.directs ?? []);
      for (const peer of await api.peers()) (model.upsertPeer(peer), this.trust.peer(model, peer));
      await loadTopics(api, model);
      await loadFiles(api, model);
    } catch (err) {
      model.system(`could not reach the node: ${describeError(err)}`, 'error');
    }
    const room = this.options.room;
    if (model.status && !model.status.rooms.includes(room)) {
      try {
        await api.joinRoom(room);
        model.status = { ...model.status, rooms: [...model.status.rooms, room] };
      } catch (err) {
        model.system(`could not join #${room}: ${describeError(err)}`, 'error');
      }
    }
    if (this.stopped) return;
    model.changed('now');
    // Round-trip times and mesh reachability change without events: re-read the peers now and then.
    const every = this.options.peerRefreshMs ?? PEER_REFRESH_MS;
    this.peerTimer = setInterval(() => void this.refreshPeers(), every);
    // Node's timer is unref'd so it keeps no process alive; a browser's timer is a number.
    (this.peerTimer as { unref?: () => void }).unref?.();
    this.trust.syncShown(api, model);
    const active = model.active;
    if (active) await this.loadInitial(active);
  }

  private peerTimer: ReturnType<typeof setInterval> | null = null;
  /** The line being run failed because no node was attached. */
  private lineLost = false;

  /** Tells the node which direct conversations are open, when that changed. */
  syncOpenDirects(): void {
    if (!this.stopped) this.openDirects.sync();
  }

  private async refreshPeers(): Promise<void> {
    try {
      const peers = await this.api.peers();
      // Detached, nothing of the mesh is known, though a page's own peer list answers (from before).
      if (this.stopped || this.model.detached !== null) return;
      for (const peer of peers) (this.model.upsertPeer(peer), this.trust.peer(this.model, peer));
      this.model.changed('frame');
    } catch {
      // the node went away: the next event or command says so
    }
  }

  stop(): void {
    if (this.peerTimer) clearInterval(this.peerTimer);
    this.stopped = true;
    this.api.setShownConversation(null).catch(() => undefined); // nothing is on screen any more
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  quit(): void {
    this.options.quit();
  }

  // --- events ---

  handleEvent(event: ChatEvent): void {
    if (this.stopped) return;
    const { model } = this;
    switch (event.type) {
      case 'message':
        this.addMessage(sanitizeMessage(event.message));
        break;
      case 'receipt':
        this.receipts.apply(this.model, event.id, event.peer, (m) =>
          this.trust.markers.wasRead(event.peer, m),
        );
        break;
      case 'peer':
        model.upsertPeer(peerWhileDetached(model, event.peer));
        break;
      case 'link:up':
      case 'link:down':
        linkLine(model, event);
        break;
      case 'presence':
        presenceLines(model, event);
        break;
      case 'sync': {
        // The node may store synced messages without an event per message: fetch the newest page again.
        const target = syncLine(model, event);
        if (target && event.count > 0) void this.refresh(target);
        break;
      }
      case 'connection':
        connectionChanged(this, event, this.options.lostLine);
        break;
      case 'topic':
        topicChanged(model, event, (id, nick) => nameFor(model, id, nick));
        break;
      case 'status':
        statusChanged(model, event.status);
        break;
      case 'file':
        fileChanged(model, event);
        break;
    }
    if (event.type === 'private-room') privateRoomEventLine(this, event); // §19: one line per event
    this.trust.event(model, event);
    this.trust.syncShown(this.api, model);
    this.syncOpenDirects();
    model.changed('frame');
  }

  isMention(message: ChatMessage): boolean {
    const self = this.model.self;
    return !message.own && self !== null && message.from !== self.id && mentions(message.text, self.nick);
  }

  /** Stores a message (live, synced, or our own as the node stored it) and updates the hotlist. */
  addMessage(message: ChatMessage): void {
    const { model } = this;
    const ref = refOf(message);
    if (!ref) return;
    const conversation = model.open(ref);
    model.noteSpeaker(message);
    message = this.trust.arriving(model, conversation, message);
    const mention = this.isMention(message);
    const entry =
      message.via === 'sync'
        ? conversation.insertByTime(message, mention)
        : conversation.append(message, mention);
    if (!entry) {
      // Seen already: a newer copy may carry a newer status or seen count.
      conversation.updateMessage(message.id, (m) => mergeProgress(m, message));
      return;
    }
    if (this.receipts.arrived(message.id))
      conversation.updateMessage(message.id, (m) => mergeProgress(m, { status: 'delivered', seen: null }));
    if (message.own || message.from === model.self?.id) return;
    const shown = model.activeKey === conversation.key;
    if (!shown) {
      conversation.unread++;
      if (mention) conversation.mentions++;
      if (message.via !== 'sync' && (mention || message.direct)) this.options.bell();
    }
  }

  // --- history ---

  private query(ref: ConversationRef): HistoryQuery {
    return ref.kind === 'room' ? { room: ref.room } : { peer: ref.peer };
  }

  /** The newest page of a conversation, merged with what arrived meanwhile. */
  async loadInitial(conversation: Conversation): Promise<void> {
    if (conversation.historyRequested) return;
    conversation.historyRequested = true;
    try {
      if ((await this.mergeNewest(conversation, true)) < this.historyPage) conversation.older = 'complete';
    } catch (err) {
      this.model.system(`could not load history: ${describeError(err)}`, 'error', conversation);
    }
    this.model.changed('now');
  }

  async refresh(conversation: Conversation): Promise<void> {
    // On failure the next scroll back loads it anyway.
    if ((await this.mergeNewest(conversation).catch(() => -1)) >= 0) this.model.changed('frame');
  }

  /** Fetches the newest page and merges it (Conversation.mergeNewest); how many messages it held. */
  private async mergeNewest(conversation: Conversation, initial = false): Promise<number> {
    const page = await this.api.history({ ...this.query(conversation.ref), limit: this.historyPage });
    const clean = page.map(sanitizeMessage);
    for (const m of clean) this.model.noteSpeaker(m);
    conversation.mergeNewest(clean, initial, (m) => this.isMention(m));
    return page.length;
  }

  /** The page before the oldest message held (scrolling back past the top). */
  async loadOlder(conversation: Conversation): Promise<void> {
    if (conversation.older !== 'idle') return;
    conversation.older = 'loading';
    const oldest = conversation.oldestMessage();
    try {
      const query: HistoryQuery = { ...this.query(conversation.ref), limit: this.historyPage };
      if (oldest) query.before = { ts: oldest.ts, id: oldest.id };
      const page = await this.api.history(query);
      const clean = page.map(sanitizeMessage);
      for (const m of clean) this.model.noteSpeaker(m);
      conversation.prependOlder(clean, (m) => this.isMention(m));
      conversation.older = page.length < this.historyPage ? 'complete' : 'idle';
    } catch (err) {
      conversation.older = 'idle';
      this.model.system(`could not load older messages: ${describeError(err)}`, 'error', conversation);
    }
    this.model.changed('now');
  }

  // --- what the person does ---

  /**
   * Enter: a message, a command, or an explanation of what is wrong with the line. Lines run strictly
   * in order: a line typed right after `/dm bob` must wait for the switch, or a private line would go
   * to the room.
   */
  submit(line: string): Promise<void> {
    return this.enqueue(() => this.submitNow(line));
  }

  /**
   * Runs `task` after everything typed before it (lines, pastes, conversation switches), so what the
   * person typed happens in typing order even while a send is still on its way.
   */
  enqueue(task: () => void | Promise<void>): Promise<void> {
    const run = this.submitting.then(task);
    this.submitting = run.catch(() => undefined);
    return run;
  }

  private submitting: Promise<void> = Promise.resolve();

  private async submitNow(line: string): Promise<void> {
    const { model } = this;
    model.inputHistory.add(line);
    this.lineLost = false;
    await this.runLine(line);
    this.trust.syncShown(this.api, model);
    this.syncOpenDirects();
    if (this.lineLost) keepLostLine(this, line);
  }

  private async runLine(line: string): Promise<void> {
    const { model } = this;
    const parsed = parseInput(line);
    switch (parsed.kind) {
      case 'empty':
        return;
      case 'text':
        await this.sendText(parsed.text);
        return;
      case 'error':
        model.system(parsed.message, 'error');
        model.changed('now');
        return;
      case 'command':
        await runCommand(this, parsed.command);
        model.changed('now');
        return;
    }
  }

  /** Sends to the shown conversation (or `ref`), and shows the message as the node stored it. */
  async sendText(
    text: string,
    options: { action?: boolean; ref?: ConversationRef } = {},
  ): Promise<ChatMessage | null> {
    if (this.stopped) return null; // the person quit: nothing more goes out
    const { model } = this;
    const ref = options.ref ?? model.active?.ref;
    if (!ref) {
      model.system('no conversation is open: /join a room or /dm a peer', 'error');
      model.changed('now');
      return null;
    }
    try {
      const message = await this.api.send(ref, text, options.action ? { action: true } : undefined);
      this.addMessage(sanitizeMessage(message));
      const shown = model.active;
      if (shown) shown.scroll = null;
      model.changed('now');
      return message;
    } catch (err) {
      // A failed flush to disk comes after the message went out: it says so, and it must not be resent.
      const sentAnyway = (err as { code?: unknown } | null)?.code === 'DATABASE_WRITE_FAILED';
      if (errorCode(err) === 'NO_DAEMON') this.lineLost = true;
      model.system(sentAnyway ? describeError(err) : `not sent: ${describeError(err)}`, 'error');
      model.changed('now');
      return null;
    }
  }

  /** Shows a conversation, loading its history the first time. */
  switchTo(conversation: Conversation): void {
    this.model.show(conversation.key);
    this.trust.syncShown(this.api, this.model);
    this.model.changed('now');
    if (!conversation.historyRequested) void this.loadInitial(conversation);
  }

  /** Ctrl+N / Ctrl+P. */
  switchBy(step: number): void {
    const { model } = this;
    const list = model.conversations;
    if (list.length === 0) return;
    const at = model.active ? list.indexOf(model.active) : 0;
    this.switchTo(list[(((at + step) % list.length) + list.length) % list.length]);
  }

  /** Alt+N. */
  switchToNumber(n: number): void {
    const target = this.model.conversations[n - 1];
    if (target) this.switchTo(target);
  }

  /** PgUp / PgDn: a page of rows; near the top, older history is fetched. */
  scrollPage(direction: 'up' | 'down'): void {
    const { model } = this;
    const conversation = model.active;
    if (!conversation) return;
    const { width, height } = this.layout;
    const { fetchOlder } = pageScroll(conversation, model.viewContext(width), height, direction);
    if (fetchOlder) void this.loadOlder(conversation);
    model.changed('now');
  }
}
