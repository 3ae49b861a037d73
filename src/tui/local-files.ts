/**
 * The files of the machine the UI runs on, as /send needs them: a path typed (relative, `~/…`) made
 * absolute for the node, and Tab completion of a path. An interface, so the controller (bundled into
 * the web page too, where there is no file system) does not import node:fs; node-local-files.ts is the
 * terminal's.
 */
export interface LocalFiles {
  /** The absolute path `typed` names (`~` is the home directory; relative is from the working directory). */
  resolve(typed: string): string;
  /** Completions of a path being typed, as typed (`~/Doc` → `~/Documents/`); directories end in `/`. */
  complete(typed: string): string[];
}
