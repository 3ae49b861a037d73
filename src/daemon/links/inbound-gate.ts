/**
 * Handshakes in progress are capped in all and per source address, so silent connections from one
 * host cannot take every slot; our own dials are not counted against them.
 */

/** Inbound connections one address may have in their handshake at once. */
export const MAX_PENDING_PER_SOURCE = 4;

export class InboundGate {
  private pending = 0;
  private readonly bySource = new Map<string, number>();

  constructor(private readonly maxPending: number) {}

  /** Takes a slot for a connection from `source`; false when none is free. */
  admit(source: string): boolean {
    const fromSource = this.bySource.get(source) ?? 0;
    if (this.pending >= this.maxPending || fromSource >= MAX_PENDING_PER_SOURCE) return false;
    this.pending++;
    this.bySource.set(source, fromSource + 1);
    return true;
  }

  /** Takes a slot for a connection from `source`, freed by the returned function (once, however often called). */
  take(source: string): (() => void) | null {
    if (!this.admit(source)) return null;
    let held = true;
    return () => {
      if (held) this.release(source);
      held = false;
    };
  }

  /** The handshake ended (up or closed): its slot is free. */
  release(source: string): void {
    this.pending--;
    const left = (this.bySource.get(source) ?? 1) - 1;
    if (left > 0) this.bySource.set(source, left);
    else this.bySource.delete(source);
  }
}
