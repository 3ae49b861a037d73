/**
 * Makes a daemon relay: bare links (raw-link.ts) already linked to it send signed chat messages from
 * many identities, and the daemon verifies, stores and forwards them to its other links.
 *
 * Honest traffic, within the node's flood limits (issue 15, flood-limits.ts), which a single-author,
 * single-link bench would hit and be throttled or closed by:
 * - per origin 50 msg/s after a burst of 200: the authors take turns, so each sends
 *   rate / authors msg/s (a few a second), as a room of many people would;
 * - per link 1000 msg/s after a burst of 200: each sending link is paced at SENDER_RATE (below it) by a
 *   token bucket on this side; more than that takes more sending links.
 * And as in a settled mesh (push-tree.ts), where the daemon pushes each author's messages whole only
 * to its children in that author's tree and announces the ids (batched `ihave`) on its other links:
 * `eager` receiving links take the messages whole (the first counts what was forwarded, which paces
 * the senders: at most `window` sent and not yet forwarded), and every other link sends a `prune` for
 * every author first, so it gets the ids only. Left eager, each of 50 links would take every message
 * whole, a cost this process (reading them all) could not carry on 2 cores.
 */
import { performance } from 'node:perf_hooks';
import { generateIdentity, type Identity, type Link } from '../../src/daemon/index.js';
import { DEFAULT_HOPS } from '../../src/wire/index.js';
import { floodFrame, signedChat } from './chat.js';
import { sleep } from './time.js';

/** Messages a second each sending link is paced at: under the per-link limit (1000/s). */
export const SENDER_RATE = 800;
/** The sending side's token bucket: what a link may send at once after a pause. */
const SENDER_BURST = 50;

export interface RelayRoles {
  senders: Link[];
  /** Links the daemon pushes messages to whole; the first counts what it forwarded. */
  eager: Link[];
  /** Links that pruned every author: they get `ihave` announcements only. */
  lazy: Link[];
}

/** Splits held links: `senders` sending, `eager` receiving whole messages, the rest lazy. */
export function relayRoles(links: Link[], senders: number, eager: number): RelayRoles {
  if (links.length < senders + eager) {
    throw new Error(`${links.length} links held; the relay needs ${senders} senders and ${eager} receivers`);
  }
  return {
    senders: links.slice(0, senders),
    eager: links.slice(senders, senders + eager),
    lazy: links.slice(senders + eager),
  };
}

export interface RelayDriver {
  /** Messages sent and forwarded (seen whole on the first eager link) so far. */
  readonly sent: number;
  readonly forwarded: number;
  /** Sends until `upTo` messages have gone out and been forwarded; throws when forwarding stalls. */
  pump(upTo: number): Promise<void>;
  close(): void;
}

export function relayDriver(
  roles: RelayRoles,
  {
    authors: authorCount,
    window = 2000,
    stallMs = 30_000,
    describe = async () => '',
  }: {
    authors: number;
    window?: number;
    stallMs?: number;
    /** What the daemon says of itself when forwarding stalls (its limit counters, its stderr). */
    describe?: () => Promise<string>;
  },
): RelayDriver {
  const authors: Identity[] = Array.from({ length: authorCount }, () => generateIdentity());
  // Every link but the eager ones: lazy for every author (the senders too, or each would take the
  // others' messages whole).
  for (const link of [...roles.senders, ...roles.lazy]) {
    for (const author of authors) link.send({ kind: 'prune', origin: author.id });
  }
  let sent = 0;
  let forwarded = 0;
  const counter = roles.eager[0];
  const onMessage = (m: { kind: string; hops?: number }) => {
    // What the daemon forwarded (one hop spent), not its own presence floods.
    if (m.kind === 'flood' && m.hops === DEFAULT_HOPS - 1) forwarded++;
  };
  counter.on('message', onMessage);
  const tokens = roles.senders.map(() => SENDER_BURST);
  let at = performance.now();
  let next = 0;

  const pump = async (upTo: number): Promise<void> => {
    let lastForwarded = forwarded;
    let lastProgress = performance.now();
    while (forwarded < upTo) {
      const now = performance.now();
      const refill = ((now - at) / 1000) * SENDER_RATE;
      at = now;
      for (let i = 0; i < roles.senders.length; i++) {
        tokens[i] = Math.min(SENDER_BURST, tokens[i] + refill);
        while (tokens[i] >= 1 && sent < upTo && sent - forwarded < window) {
          // Authors in turn: consecutive messages of one author are `authorCount` apart.
          const chat = signedChat(authors[next % authors.length], 'lobby', Date.now(), next);
          next++;
          roles.senders[i].sendFrame(floodFrame(chat));
          sent++;
          tokens[i]--;
        }
      }
      if (forwarded !== lastForwarded) {
        lastForwarded = forwarded;
        lastProgress = now;
      } else if (now - lastProgress > stallMs) {
        throw new Error(
          `the daemon stopped forwarding: ${forwarded} of ${sent} forwarded, none in ${stallMs / 1000} s; ${await describe()}`,
        );
      }
      await sleep(2);
    }
  };
  return {
    get sent() {
      return sent;
    },
    get forwarded() {
      return forwarded;
    },
    pump,
    close: () => counter.off('message', onMessage),
  };
}

/** Seconds of CPU (user + system) a process has used, from /proc/PID/stat (clock ticks of 1/100 s). */
export function processCpuSeconds(stat: string): number {
  // Fields after the command name (which may hold spaces), from its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
