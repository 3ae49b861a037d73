/**
 * A small typed event emitter (on, off, emit) with node:events' call signatures for what it offers, so
 * the parts of history sync that run in a browser page too need no Node built-in.
 */
/** Stored untyped; `on` and `emit` keep the types. */
type Listener = (...args: unknown[]) => void;

export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<Listener>>();

  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return this;
  }

  off<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this {
    this.listeners.get(event)?.delete(listener as Listener);
    return this;
  }

  /** Calls each listener in the order added; true when there was one. */
  emit<K extends keyof Events>(event: K, ...args: Events[K]): boolean {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return false;
    for (const listener of [...set]) listener(...(args as unknown[]));
    return true;
  }
}
