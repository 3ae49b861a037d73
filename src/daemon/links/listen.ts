/**
 * Opening the listening socket: the asked port, or, when none was asked and the default is taken (a
 * second node on this machine), a free one, said in the log; an asked port that is taken is an error.
 */
import type { Server } from 'node:net';
import { UsageError } from '../../wire/index.js';
import type { Logger } from '../logger.js';

export async function listen(
  server: Server,
  host: string,
  wanted: number,
  explicit: boolean,
  logger: Logger,
): Promise<void> {
  const listenOn = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.once('error', onError);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', onError);
        resolve();
      });
    });
  try {
    await listenOn(wanted);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    if (explicit) {
      throw new UsageError(
        'INVALID_ARGUMENT',
        `port ${wanted} on ${host} is already in use; choose another --port, or leave it out to take a free one`,
        { cause: err },
      );
    }
    logger.warn(`port ${wanted} is taken; listening on a free port instead`);
    await listenOn(0);
  }
}
