/**
 * Up/Down through the lines already submitted, shell style: the line being typed is kept as a draft and
 * comes back when walking down past the newest entry.
 */

/** Lines kept. @default 500 */
export const INPUT_HISTORY_LIMIT = 500;

export class InputHistory {
  private readonly entries: string[] = [];
  /** Position while walking: entries.length means "the draft". */
  private position = 0;
  private draft = '';

  constructor(private readonly limit = INPUT_HISTORY_LIMIT) {}

  /** Records a submitted line (not blank ones, not the same line twice in a row) and stops walking. */
  add(line: string): void {
    if (line.trim() !== '' && this.entries[this.entries.length - 1] !== line) {
      this.entries.push(line);
      if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    }
    this.reset();
  }

  /** Stops walking (the next Up starts again from the newest line). */
  reset(): void {
    this.position = this.entries.length;
    this.draft = '';
  }

  /** The older line, or null at the oldest. `current` is what the input line holds now. */
  previous(current: string): string | null {
    if (this.position === 0) return null;
    if (this.position === this.entries.length) this.draft = current;
    this.position--;
    return this.entries[this.position];
  }

  /** The newer line, the draft after the newest, or null when not walking. */
  next(): string | null {
    if (this.position >= this.entries.length) return null;
    this.position++;
    return this.position === this.entries.length ? this.draft : this.entries[this.position];
  }

  get size(): number {
    return this.entries.length;
  }
}
