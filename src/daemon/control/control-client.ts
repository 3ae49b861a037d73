/**
 * ChatApi over the control socket of a running daemon: what `konnect send/peers/history/status` and an
 * attached TUI use. Its calls are derived from CHAT_METHODS, the table the daemon serves, so a new
 * ChatApi method needs nothing here. Closing it disconnects; the daemon goes on.
 */
import type { ChatApi, ChatEvent, ChatMessage, HistoryQuery } from '../chat-api.js';
import { CHAT_METHODS } from './chat-methods.js';
import { ControlConnection } from './control-connection.js';
import { HISTORY_PAGE } from './control-protocol.js';
import { eventsRow, type MethodTable, remoteCalls, type RemoteCalls } from './method-table.js';

/** The client of any API a control socket serves through `methods`: its calls, events and close. */
export function remoteApi<Api>(
  connection: ControlConnection,
  methods: MethodTable<Api>,
): RemoteCalls<Api> & {
  subscribe(listener: (event: unknown) => void): () => void;
  close(): Promise<void>;
} {
  const names = eventsRow(methods);
  return {
    ...remoteCalls(methods, (method, params) => connection.request(method, params)),
    subscribe: (listener) => {
      if (!names) throw new TypeError('this API has no events');
      return connection.subscribe(names, listener);
    },
    close: () => connection.close(),
  };
}

// The calls are installed from the table by the constructor; this declares them to the compiler.
export interface ControlClient extends RemoteCalls<ChatApi> {}

export class ControlClient implements ChatApi {
  private constructor(private readonly connection: ControlConnection) {
    const calls = remoteCalls(CHAT_METHODS, (method, params) => connection.request(method, params));
    Object.assign(this, calls);
    // A long history does not fit one control frame: it is asked for in pages.
    this.history = (query) => pagedHistory(calls.history, query);
  }

  /** Connects to the daemon's socket; NO_DAEMON when nothing listens there. */
  static async connect(path: string, timeoutMs = 3000): Promise<ControlClient> {
    return new ControlClient(await ControlConnection.connect(path, timeoutMs));
  }

  /** Calls `listener` once the connection is gone (the daemon stopped or died, or close() was called). */
  onClose(listener: () => void): void {
    this.connection.onClose(listener);
  }

  subscribe(listener: (event: ChatEvent) => void): () => void {
    return this.connection.subscribe(eventsRow(CHAT_METHODS)!, listener as (event: unknown) => void);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

/** Pages of HISTORY_PAGE, newest first, so any limit the store allows fits the control frames. */
async function pagedHistory(
  page: (query: HistoryQuery) => Promise<ChatMessage[]>,
  query: HistoryQuery,
): Promise<ChatMessage[]> {
  const want = query.limit ?? 100;
  // One page, or a limit the node will refuse with a clear error: ask as it is.
  if (!Number.isSafeInteger(want) || want <= HISTORY_PAGE) return page(query);
  const out: ChatMessage[] = [];
  let before = query.before;
  while (out.length < want) {
    const limit = Math.min(HISTORY_PAGE, want - out.length);
    const got = await page({ ...query, limit, before });
    out.unshift(...got);
    if (got.length < limit) break;
    before = { ts: got[0].ts, id: got[0].id };
  }
  return out;
}
