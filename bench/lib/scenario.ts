/** The contract between bench/run.ts and each scenario, and what scenarios share (meshes, the verify rate). */
import type { Figure } from './figures.js';
import { type BenchMesh, type BenchMeshOptions, startBenchMesh } from './mesh.js';
import { measureRelayFloor, type RelayFloor } from './relay-floor.js';
import { verifiesPerSecond } from './verify-rate.js';

export interface ScenarioOutput {
  figures: Figure[];
  notes?: string[];
  /** Set when the scenario cannot run here; the reason is printed instead of figures. */
  skipped?: string;
  /**
   * Parts of the scenario that failed, each with why: the run is reported as failed (exit 1, FAILED in
   * the table) while the figures of the parts that worked are kept.
   */
  failed?: string[];
}

export interface Scenario {
  /** Short id for --only and the JSON file. */
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<ScenarioOutput>;
}

export class BenchContext {
  private readonly meshes = new Map<number, Promise<BenchMesh>>();
  private verifyRate: Promise<number> | null = null;
  private relayFloor: Promise<RelayFloor> | null = null;

  constructor(
    readonly quick: boolean,
    readonly log: (line: string) => void,
  ) {}

  /**
   * The default-degree overlay mesh of n nodes, started once per process (the trials of a rate search
   * share it: starting a 50-node mesh costs seconds). `options` count only on the first call for an n.
   */
  mesh(n: number, options?: BenchMeshOptions): Promise<BenchMesh> {
    let mesh = this.meshes.get(n);
    if (!mesh) {
      this.log(`  starting a ${n}-node mesh (default overlay${options ? ', bench options' : ''})`);
      mesh = startBenchMesh(n, options);
      this.meshes.set(n, mesh);
    }
    return mesh;
  }

  /** Stops the mesh of n nodes, so that the next mesh(n) starts a fresh one. */
  async dropMesh(n: number): Promise<void> {
    const mesh = this.meshes.get(n);
    this.meshes.delete(n);
    if (mesh) await (await mesh).destroy();
  }

  async releaseMeshes(): Promise<void> {
    const all = [...this.meshes.values()];
    this.meshes.clear();
    await Promise.allSettled(all.map(async (m) => (await m).destroy()));
  }

  /** ed25519 verifications per second on this machine, measured once per run. */
  verifies(): Promise<number> {
    this.verifyRate ??= verifiesPerSecond(this.quick ? 0.3 : 1);
    return this.verifyRate;
  }

  /** What a delivery costs at least besides its verification (relay-floor.ts), measured once per run. */
  floor(): Promise<RelayFloor> {
    this.relayFloor ??= measureRelayFloor(this.quick);
    return this.relayFloor;
  }
}
