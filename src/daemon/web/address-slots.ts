/**
 * Connections counted in all and per remote address, so one host cannot take every slot: the web
 * side's bound on HTTP connections (and those still being sorted) and, apart, on WebSockets.
 */
export class AddressSlots {
  private held = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(
    readonly total: number,
    readonly perAddress: number,
  ) {}

  get size(): number {
    return this.held;
  }

  /** A slot for a connection from `address`, freed by the returned function (once); null when full. */
  take(address: string): (() => void) | null {
    const fromAddress = this.byAddress.get(address) ?? 0;
    if (this.held >= this.total || fromAddress >= this.perAddress) return null;
    this.held++;
    this.byAddress.set(address, fromAddress + 1);
    let taken = true;
    return () => {
      if (!taken) return;
      taken = false;
      this.held--;
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.byAddress.set(address, left);
      else this.byAddress.delete(address);
    };
  }
}
