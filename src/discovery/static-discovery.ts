/**
 * Discovery from `--peer HOST:PORT` flags: the candidates are known from the start and never change.
 * It reports them on start and again on each refresh(), which is what makes the daemon redial a
 * static peer that went away and came back.
 */
import { EventEmitter } from 'node:events';
import { parsePeerAddress } from './peer-address.js';
import type { Candidate, Discovery, DiscoveryEvents, SelfAdvertisement } from './types.js';

export class StaticDiscovery extends EventEmitter<DiscoveryEvents> implements Discovery {
  readonly method = 'static' as const;
  private readonly peers: readonly Candidate[];
  private running = false;
  /** Bumped by every start and stop, so an emission scheduled by an older run is dropped. */
  private generation = 0;

  /** @param peers `host:port` strings (the --peer flags); a bad one throws UsageError('USAGE'). */
  constructor(peers: readonly string[]) {
    super();
    const seen = new Set<string>();
    const list: Candidate[] = [];
    for (const text of peers) {
      const { address } = parsePeerAddress(text);
      if (seen.has(address)) continue;
      seen.add(address);
      list.push({ addresses: [address], method: 'static' });
    }
    this.peers = list;
  }

  async start(_self: SelfAdvertisement): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.generation++;
    this.emitAllLater();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.generation++;
  }

  update(_self: SelfAdvertisement): void {
    // Static peers are dialled, not told: nothing is advertised.
  }

  refresh(): void {
    if (this.running) this.emitAllLater();
  }

  candidates(): Candidate[] {
    return this.peers.map(copy);
  }

  /** Listeners attach after start() resolves, so emit on a later turn of the event loop. */
  private emitAllLater(): void {
    const generation = this.generation;
    setImmediate(() => {
      for (const peer of this.peers) {
        if (!this.running || generation !== this.generation) return;
        this.emit('candidate:found', copy(peer));
      }
    });
  }
}

function copy(candidate: Candidate): Candidate {
  return { ...candidate, addresses: [...candidate.addresses] };
}
