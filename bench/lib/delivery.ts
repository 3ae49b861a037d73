/**
 * Delivery tracking over an in-process mesh: one clock for all nodes, so the latency of a message at a
 * node is simply performance.now() at that node's 'message' event minus performance.now() just before
 * the origin's send(). (The message's own ts has only millisecond resolution.)
 */
import { performance } from 'node:perf_hooks';
import type { ChatEvent } from '../../src/daemon/index.js';
import type { TestMesh } from '../../tests/helpers/mesh.js';
import { chatText } from './chat.js';
import { paced, until } from './time.js';

interface Sent {
  at: number;
  /** Nodes that delivered it so far. */
  deliveries: number;
  /** Latest delivery latency so far, ms. */
  last: number;
}

export class DeliveryTracker {
  readonly latencies: number[] = [];
  /** The same, per delivering node (by index in the mesh). */
  readonly latenciesByNode: number[][];
  private readonly sent = new Map<string, Sent>();
  private readonly detachers: (() => void)[] = [];
  private sequence = 0;

  constructor(private readonly mesh: TestMesh) {
    this.latenciesByNode = mesh.nodes.map(() => []);
    for (const [index, m] of mesh.nodes.entries()) {
      const listener = (e: ChatEvent) => {
        if (e.type !== 'message' || e.message.own) return;
        const s = this.sent.get(e.message.id);
        if (!s) return;
        const latency = performance.now() - s.at;
        this.latencies.push(latency);
        this.latenciesByNode[index].push(latency);
        s.deliveries++;
        if (latency > s.last) s.last = latency;
      };
      m.node.on('event', listener);
      this.detachers.push(() => m.node.off('event', listener));
    }
  }

  /** Sends one 200-byte chat message from node `origin` to the room 'lobby'. */
  send(origin: number): void {
    const node = this.mesh.nodes[origin].node;
    const text = chatText(this.sequence++);
    const at = performance.now();
    const message = node.send({ kind: 'room', room: 'lobby' }, text);
    this.sent.set(message.id, { at, deliveries: 0, last: 0 });
  }

  get messages(): number {
    return this.sent.size;
  }

  /** Deliveries still missing for every node (other than the origin) to hold every message. */
  missing(): number {
    const others = this.mesh.nodes.length - 1;
    let missing = 0;
    for (const s of this.sent.values()) missing += others - s.deliveries;
    return missing;
  }

  /** Messages that reached every other node within `boundMs` of being sent. */
  completeWithin(boundMs: number): number {
    const others = this.mesh.nodes.length - 1;
    let ok = 0;
    for (const s of this.sent.values()) if (s.deliveries === others && s.last <= boundMs) ok++;
    return ok;
  }

  /**
   * What a user feels: for each message, the latency to the LAST node that got it ("reached everyone").
   * A message that did not reach every other node has no such latency: it is counted in `unreached`,
   * never dropped from the figures silently.
   */
  reachedEveryone(): { latencies: number[]; unreached: number } {
    const others = this.mesh.nodes.length - 1;
    const latencies: number[] = [];
    let unreached = 0;
    for (const s of this.sent.values()) {
      if (s.deliveries === others) latencies.push(s.last);
      else unreached++;
    }
    return { latencies, unreached };
  }

  /** Latest delivery latency over all messages, ms. */
  worst(): number {
    let worst = 0;
    for (const s of this.sent.values()) if (s.last > worst) worst = s.last;
    return worst;
  }

  detach(): void {
    for (const d of this.detachers) d();
    this.detachers.length = 0;
  }
}

/**
 * Flood counters per node: received frames (copies), new messages delivered, and ids announced on lazy
 * links (what lazy push sends instead of copies).
 */
export function routerCounters(mesh: TestMesh): {
  received: number[];
  delivered: number[];
  announced: number[];
} {
  return {
    received: mesh.nodes.map((m) => m.node.router.stats.received),
    delivered: mesh.nodes.map((m) => m.node.router.stats.delivered),
    announced: mesh.nodes.map((m) => m.node.router.tree.stats.announced),
  };
}

/**
 * Before a measurement: one message from every node (so every node has imported every key), then
 * `count` more at `ratePerSecond`, origins taking turns. V8 goes on compiling the hot path on
 * background threads for seconds of load, and on two cores those threads hold the event loop off its
 * core for ms at a time (BENCHMARKS.md, fifth part). Returns whether everything was delivered in time.
 */
export async function warmUp(mesh: TestMesh, count: number, ratePerSecond: number): Promise<boolean> {
  const warm = new DeliveryTracker(mesh);
  try {
    const n = mesh.nodes.length;
    for (let i = 0; i < n; i++) warm.send(i);
    if (!(await until(() => warm.missing() === 0, { timeoutMs: 20_000 }))) return false;
    await paced(count, ratePerSecond, (i) => warm.send(i % n));
    return await until(() => warm.missing() === 0, { timeoutMs: 60_000 });
  } finally {
    warm.detach();
  }
}
