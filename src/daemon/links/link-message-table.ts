/**
 * Which service handles each kind of message a link carries once it is up: one table, filled by the
 * services as the node is composed (the link manager takes `peers`, the flood router `flood` and the
 * lazy-push kinds, history sync the `sync-*` kinds). The link itself answers its own protocol (hello,
 * ping, bye, error) before anything reaches the table. A kind nobody registered is logged and dropped.
 */
import type { LinkMessage } from '../../wire/index.js';
import type { Link } from './link.js';

export type LinkMessageKind = LinkMessage['kind'];
export type LinkMessageHandler<K extends LinkMessageKind = LinkMessageKind> = (
  link: Link,
  message: Extract<LinkMessage, { kind: K }>,
) => void;

export class LinkMessageTable {
  private readonly handlers = new Map<string, LinkMessageHandler>();

  /** Registers the handler of some kinds. Throws on a kind registered twice. */
  handle<K extends LinkMessageKind>(kinds: K | readonly K[], handler: LinkMessageHandler<K>): void {
    for (const kind of typeof kinds === 'string' ? [kinds] : kinds) {
      if (this.handlers.has(kind)) throw new Error(`link message kind ${kind} registered twice`);
      this.handlers.set(kind, handler as unknown as LinkMessageHandler);
    }
  }

  /** Hands a message to its handler; false when no service took its kind. */
  dispatch(link: Link, message: LinkMessage): boolean {
    const handler = this.handlers.get(message.kind);
    if (!handler) return false;
    handler(link, message);
    return true;
  }
}
