/**
 * The one way the `konnect` process ends. `process.exit()` drops whatever stdout and stderr still hold
 * for a pipe (`konnect history --json | wc -c` stopped at 65,536 bytes, exit 0), so every command ends
 * here: the exit code is set at once, and the process exits only after both streams have handed their
 * queued bytes to the operating system.
 */

/** Exits with `code` once stdout and stderr are flushed; a reader that went away does not block it. */
export function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const flushed = () => {
    // Still an explicit exit: a discovery socket or a stray timer must not keep a finished command alive.
    if (--pending === 0) process.exit(code);
  };
  flush(process.stdout, flushed);
  flush(process.stderr, flushed);
}

function flush(stream: NodeJS.WriteStream, done: () => void): void {
  // A reader that closed the pipe (`| head`) takes nothing more: EPIPE is not this command's failure,
  // and without a listener it would be thrown as an uncaught exception.
  stream.on('error', () => undefined);
  if (stream.destroyed || stream.writableLength === 0) {
    done();
    return;
  }
  // Writes complete in order: this callback runs after everything written before it has left
  // (or the stream failed, which ends the wait as well).
  stream.write('', () => done());
}
