/** The page's ChatEvent listeners: one that throws does not stop the others hearing the event. */
export class Listeners<E> {
  private readonly set = new Set<(event: E) => void>();

  add(listener: (event: E) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  emit(event: E): void {
    for (const listener of [...this.set]) {
      try {
        listener(event);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}
