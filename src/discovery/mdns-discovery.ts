/**
 * Discovery over mDNS / DNS-SD (`_konnect._tcp.local`) on bonjour-service.
 *
 * What bonjour-service does not do, and this class adds (measured in network namespaces):
 * - It queries once, when a browser is created, and never reports a crashed peer as down (the PTR TTL
 *   is 8 h). So every requeryIntervalMs a fresh "census" browser is created: its query makes every
 *   live node answer, and a fresh browser reports each answer as 'up'. A candidate that has not
 *   answered for expireAfterMs is reported lost; one that answers again is reported found.
 * - A browser keeps services by name and stays silent when a service with the same name, host, port
 *   and TXT is announced again, which is exactly what a node restarting with the same id looks like.
 *   Each start therefore advertises a fresh random `run` token in TXT: the restart is a TXT change,
 *   reported as 'txt-update', and re-reported here as 'candidate:found'.
 * - It has no way to change a published TXT record in place, and unpublishing sends a goodbye that
 *   peers would see as the node leaving. update() therefore closes the socket without a goodbye and
 *   publishes again on a new one: peers see the new TXT as a change of the same service.
 * - It builds the A records once, at publish, from the addresses the machine had then. Every round
 *   therefore compares this machine's addresses with those advertised, and on a change publishes again
 *   on a new socket (as update() does). The unique records carry the cache-flush bit (mdns-socket.ts),
 *   so peers replace the old address rather than keep it beside the new one.
 * A long-lived "watcher" browser beside the census catches goodbyes and changes between rounds.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { KonnectError } from '../wire/index.js';
import {
  advertisedAddresses,
  assertSelf,
  buildTxt,
  defaultHostName,
  instanceName,
  parseService,
  sameCandidate,
  SERVICE_DOMAIN,
  SERVICE_PROTOCOL,
  SERVICE_TYPE,
  type BrowsedService,
} from './mdns-records.js';
import {
  callbackWithin,
  defaultBonjourFactory,
  inSubnet,
  resolveInterface,
  socketOptionsFor,
  type BonjourFactory,
  type BonjourLike,
  type BrowserLike,
  type MdnsSocketLike,
  type NetworkInterfacesFn,
  type ResolvedInterface,
  waitReady,
} from './mdns-socket.js';
import { type Clock, systemClock, type Timer } from '../clock/index.js';
import type { Candidate, Discovery, DiscoveryEvents, DiscoveryLogger, SelfAdvertisement } from './types.js';
import type { MdnsDiscoveryComponents, MdnsDiscoveryInit } from './mdns-options.js';

export type { MdnsDiscoveryComponents, MdnsDiscoveryInit } from './mdns-options.js';

export const DEFAULT_REQUERY_INTERVAL_MS = 5000;
/** Bounds on socket work during start/stop, so a broken socket cannot hang the daemon. */
const SOCKET_TIMEOUT_MS = 2000;
/** How long binding may take before it is reported; only a warning, so generous for a loaded machine. */
const READY_TIMEOUT_MS = 10_000;

const silent: DiscoveryLogger = { debug: () => {}, warn: () => {} };

interface Known {
  candidate: Candidate & { id: string };
  run: string | undefined;
  lastSeen: number;
}

interface Session {
  bonjour: BonjourLike;
  socket: MdnsSocketLike | null;
  browsers: BrowserLike[];
  census: BrowserLike | null;
  advertised: SelfAdvertisement;
  /** This machine's addresses when the session published (what its A records hold). */
  addresses: string[];
}

export class MdnsDiscovery extends EventEmitter<DiscoveryEvents> implements Discovery {
  readonly method = 'mdns' as const;
  private readonly init: MdnsDiscoveryInit;
  private readonly requeryIntervalMs: number;
  private readonly expireAfterMs: number;
  private readonly logger: DiscoveryLogger;
  private readonly bonjourFactory: BonjourFactory;
  private readonly networkInterfaces: NetworkInterfacesFn | undefined;
  private running = false;
  private self: SelfAdvertisement | undefined;
  private iface: ResolvedInterface | undefined;
  /** Random per start: lets peers tell a restart from a repeat announcement. */
  private run = '';
  private session: Session | undefined;
  private timer: Timer | undefined;
  private readonly clock: Clock;
  private readonly random: () => number;
  /** start, stop and update run one after another, so a stop never races a half-open socket. */
  private queue: Promise<void> = Promise.resolve();
  private readonly known = new Map<string, Known>();
  /**
   * Problems already reported since start(): multicast-dns retries a failing interface every 5 s, and a
   * republish opens a new socket that meets the same problem; each is said once.
   */
  private readonly reportedErrors = new Set<string>();

  constructor(init: MdnsDiscoveryInit = {}, components: MdnsDiscoveryComponents = {}) {
    super();
    this.init = init;
    this.requeryIntervalMs = init.requeryIntervalMs ?? DEFAULT_REQUERY_INTERVAL_MS;
    if (!(this.requeryIntervalMs > 0)) {
      throw new KonnectError(
        'INVALID_ARGUMENT',
        `requeryIntervalMs must be positive, got ${this.requeryIntervalMs}`,
      );
    }
    this.expireAfterMs = init.expireAfterMs ?? 3 * this.requeryIntervalMs;
    this.logger = init.logger ?? silent;
    this.bonjourFactory = components.bonjourFactory ?? defaultBonjourFactory;
    this.networkInterfaces = components.networkInterfaces;
    this.clock = components.clock ?? systemClock;
    this.random = components.random ?? Math.random;
  }

  /** Resolves once the socket is bound (or failed, reported as 'discovery:error'). */
  start(self: SelfAdvertisement): Promise<void> {
    try {
      assertSelf(self);
    } catch (err) {
      return Promise.reject(err);
    }
    // Kept now, not when the queued start runs, so an update() issued meanwhile is not overwritten.
    // Copied: the caller may mutate its object, and republish() compares against what was advertised.
    if (!this.running) this.self = { ...self };
    return this.enqueue(() => this.doStart());
  }

  /** Sends goodbyes, then closes the socket. */
  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  update(self: SelfAdvertisement): void {
    assertSelf(self);
    if (this.running && this.self && self.id !== this.self.id) {
      throw new KonnectError('INVALID_ARGUMENT', 'update() cannot change the node id of a running discovery');
    }
    this.self = { ...self };
    // Queued even while a start is pending; republish() does nothing unless running.
    this.enqueue(() => this.republish()).catch((err: unknown) => this.reportError(toError(err)));
  }

  refresh(): void {
    if (this.running && this.session) this.census(this.session, true);
  }

  candidates(): Candidate[] {
    return [...this.known.values()].map((known) => copy(known.candidate));
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async doStart(): Promise<void> {
    const self = this.self;
    if (this.running || !self) return;
    // A bad --interface is the user's mistake: throw it (UsageError) rather than run deaf.
    this.iface = this.init.interface
      ? resolveInterface(this.init.interface, this.networkInterfaces)
      : undefined;
    this.run = randomBytes(4).toString('hex');
    this.reportedErrors.clear();
    this.running = true;
    try {
      await this.openSession(self);
    } catch (err) {
      // Leave it stopped and startable, not half-open.
      this.running = false;
      const session = this.session;
      this.session = undefined;
      if (session) await this.closeSession(session, false);
      throw err;
    }
    this.schedule();
  }

  private async doStop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const session = this.session;
    this.session = undefined;
    this.known.clear();
    if (session) await this.closeSession(session, true);
  }

  /** Publishes again on a new socket when what is advertised, or this machine's addresses, changed. */
  private async republish(): Promise<void> {
    const self = this.self;
    const current = this.session;
    if (!this.running || !self) return;
    if (current) {
      const was = current.advertised;
      const same =
        was.nick === self.nick &&
        was.port === self.port &&
        was.version === self.version &&
        sameList(current.addresses, this.addresses());
      if (same) return;
      this.session = undefined;
      await this.closeSession(current, false);
    }
    if (!this.running) return;
    // The interface's address may be what changed; one that lost its address is said, and retried
    // at the next round (no session meanwhile, rather than one on an address that is gone).
    if (this.init.interface) {
      try {
        this.iface = resolveInterface(this.init.interface, this.networkInterfaces);
      } catch (err) {
        this.reportError(toError(err));
        return;
      }
    }
    await this.openSession(self);
  }

  private addresses(): string[] {
    return advertisedAddresses((this.networkInterfaces ?? os.networkInterfaces)());
  }

  private async openSession(self: SelfAdvertisement): Promise<void> {
    const onError = (err: Error) => this.reportError(err);
    const addresses = this.addresses();
    const { bonjour, socket } = this.bonjourFactory(socketOptionsFor(this.iface?.address), onError);
    const session: Session = { bonjour, socket, browsers: [], census: null, advertised: self, addresses };
    const ready = socket ? waitReady(socket, READY_TIMEOUT_MS) : Promise.resolve('ready' as const);
    socket?.on('error', onError);
    socket?.on('warning', (err: Error) => {
      // Garbage from the LAN (undecodable packets) is not the user's problem; socket failures are.
      if ('syscall' in err || 'code' in err) onError(err);
      else this.logger.debug('mdns: ignored packet', { error: err.message });
    });
    this.session = session;
    bonjour.publish({
      name: instanceName(self.id),
      type: SERVICE_TYPE,
      protocol: SERVICE_PROTOCOL,
      port: self.port,
      host: this.init.hostname ?? defaultHostName(self.id),
      txt: { ...buildTxt(self, this.run) },
      // The name is derived from our own key, so a clash can only be this identity running twice.
      // bonjour-service's probe would then silently stop the service and console.log into the TUI.
      probe: false,
      // Candidates carry IPv4 only; AAAA link-local addresses without a zone are of no use to a dialer.
      disableIPv6: true,
    });
    session.browsers.push(this.browse(session, false));
    const outcome = await ready;
    if (outcome === 'timeout') this.reportError(new Error('mDNS socket did not become ready'));
    if (outcome === 'ready' && socket) {
      // bonjour-service drops send errors, so without a route for 224.0.0.251 (no default route and
      // no 224.0.0.0/4 route) discovery would be silently deaf. One query of our own says so.
      socket.query({ questions: [{ name: SERVICE_DOMAIN, type: 'PTR' }] }, (err) => {
        if (err) {
          const hint = this.iface
            ? ''
            : ' (no route for multicast: add a default or 224.0.0.0/4 route, or use --interface)';
          this.reportError(new Error(`mDNS cannot send: ${err.message}${hint}`));
        }
      });
    }
  }

  private async closeSession(session: Session, goodbye: boolean): Promise<void> {
    for (const browser of session.browsers) browser.stop();
    session.browsers = [];
    session.census = null;
    if (goodbye) await callbackWithin((done) => session.bonjour.unpublishAll(done), SOCKET_TIMEOUT_MS);
    await callbackWithin((done) => session.bonjour.destroy(done), SOCKET_TIMEOUT_MS);
  }

  private schedule(): void {
    const jitter = 0.8 + this.random() * 0.4;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        if (!this.running) return;
        this.expire();
        if (this.session) this.census(this.session, false);
        this.republishIfStale();
        this.schedule();
      },
      Math.round(this.requeryIntervalMs * jitter),
    );
    // The socket keeps the process alive while it is open; the timer alone must not.
    this.timer.unref?.();
  }

  /** Queues a republish when the addresses moved under the session, or when there is no session. */
  private republishIfStale(): void {
    const session = this.session;
    if (session && sameList(session.addresses, this.addresses())) return;
    this.logger.debug("mdns: this machine's addresses changed, publishing again", {
      addresses: this.addresses(),
    });
    this.enqueue(() => this.republish()).catch((err: unknown) => this.reportError(toError(err)));
  }

  /** Reports lost what has not answered for expireAfterMs. Only from the timer, never re-entrantly. */
  private expire(): void {
    const cutoff = this.clock.now() - this.expireAfterMs;
    for (const [id, known] of this.known) {
      if (known.lastSeen >= cutoff) continue;
      this.known.delete(id);
      this.logger.debug('mdns: candidate stopped answering', { id });
      this.emit('candidate:lost', copy(known.candidate));
    }
  }

  /** A re-query: a fresh browser queries, and reports every answer as 'up', so each one counts. */
  private census(session: Session, reportAll: boolean): void {
    if (session.census) {
      session.census.stop();
      session.browsers = session.browsers.filter((b) => b !== session.census);
    }
    session.census = this.browse(session, reportAll);
    session.browsers.push(session.census);
  }

  private browse(session: Session, reportAll: boolean): BrowserLike {
    const browser = session.bonjour.find({ type: SERVICE_TYPE, protocol: SERVICE_PROTOCOL });
    const seen = (service: BrowsedService) => this.observe(session, service, reportAll);
    browser.on('up', seen);
    browser.on('txt-update', seen);
    browser.on('srv-update', seen);
    browser.on('down', (service) => this.forget(session, service));
    return browser;
  }

  private observe(session: Session, service: BrowsedService, reportAll: boolean): void {
    if (!this.running || session !== this.session) return;
    const parsed = parseService(service);
    if (!parsed) {
      this.logger.debug('mdns: ignored a service that is not a usable konnect node', { name: service.name });
      return;
    }
    const { candidate, run } = parsed;
    // Multicast loopback: we hear our own answers.
    if (candidate.id === this.self?.id) return;
    if (this.iface && !inSubnet(service.referer?.address ?? '', this.iface)) {
      this.logger.debug('mdns: ignored an answer from outside the interface', {
        from: service.referer?.address,
      });
      return;
    }
    const previous = this.known.get(candidate.id);
    this.known.set(candidate.id, { candidate, run, lastSeen: this.clock.now() });
    if (!previous || reportAll || previous.run !== run || !sameCandidate(previous.candidate, candidate)) {
      this.emit('candidate:found', copy(candidate));
    }
  }

  private forget(session: Session, service: BrowsedService): void {
    if (!this.running || session !== this.session) return;
    const parsed = parseService(service);
    const known = parsed ? this.known.get(parsed.candidate.id) : undefined;
    if (!parsed || !known) return;
    this.known.delete(parsed.candidate.id);
    this.emit('candidate:lost', copy(known.candidate));
  }

  /**
   * Reported as 'discovery:error' only: whoever runs discovery logs that (the daemon does, at warn), so
   * logging it here as well wrote every problem twice.
   */
  private reportError(err: Error): void {
    if (this.reportedErrors.has(err.message)) return;
    this.reportedErrors.add(err.message);
    this.logger.debug('mdns: reported a problem', { error: err.message });
    this.emit('discovery:error', err);
  }
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function copy(candidate: Candidate): Candidate {
  return { ...candidate, addresses: [...candidate.addresses] };
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
