#!/usr/bin/env node
/**
 * The `konnect` command: parses arguments, runs a subcommand, and maps errors to exit codes
 * (0 success, 1 error, 2 usage, 3 no daemon) with one clear sentence on stderr.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isKonnectError } from '../wire/index.js';
import { checkDataDirPath, ControlClient, dataFiles, resolveDataDir, VERSION } from '../daemon/index.js';
import { helpText, parseCommandLine, type ParsedArgs } from './args.js';
import { runClientCommand } from './client-commands.js';
import { createNode } from './create-node.js';
import { runDoctor } from './doctor.js';
import { exitWhenFlushed } from './exit.js';
import { runOfflineHistory } from './offline-history.js';

export const EXIT = { ok: 0, error: 1, usage: 2, noDaemon: 3 } as const;

export async function main(
  argv: string[],
  out: (line: string) => void = (l) => process.stdout.write(l + '\n'),
): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseCommandLine(argv);
    switch (args.command) {
      case 'help':
        out(helpText(args.values.topic as string | undefined));
        return EXIT.ok;
      case 'version':
        out(`konnect ${VERSION}`);
        return EXIT.ok;
      case 'daemon':
        return await runDaemon(args);
      case 'chat':
        // Loaded only here: the UI (React, Ink) costs ~0.4 s to import, which scripts calling
        // `konnect send` or `konnect peers` should not pay.
        // Ink turns live rendering off when CI is set (is-in-ci, read as Ink loads). The chat UI only
        // runs on a terminal, where a person must see it, so the hint is dropped before Ink loads.
        if (process.stdout.isTTY) {
          delete process.env.CI;
          delete process.env.CONTINUOUS_INTEGRATION;
        }
        return await (await import('./chat-command.js')).runChat(args);
      case 'doctor':
        return await runDoctor(args, out);
      default: {
        const dataDir = resolveDataDir(args.values['data-dir'] as string | undefined);
        checkDataDirPath(dataDir);
        let client: ControlClient;
        try {
          client = await ControlClient.connect(dataFiles(dataDir).socket);
        } catch (err) {
          // History is on disk: it needs no running node.
          if (args.command !== 'history' || !isKonnectError(err) || err.code !== 'NO_DAEMON') throw err;
          await runOfflineHistory(dataDir, args, out);
          return EXIT.ok;
        }
        try {
          await runClientCommand(client, args, out);
        } finally {
          await client.close();
        }
        return EXIT.ok;
      }
    }
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (isKonnectError(err)) {
    if (err.code === 'NO_DAEMON') {
      process.stderr.write(
        `konnect: ${err.message}. Start one with: konnect daemon (or konnect) with the same --data-dir\n`,
      );
      return EXIT.noDaemon;
    }
    process.stderr.write(`konnect: ${err.message}\n`);
    // A bad value (a nick, a room, a limit) is a usage error whether the CLI or the node found it.
    return err.code === 'USAGE' || err.code === 'INVALID_ARGUMENT' ? EXIT.usage : EXIT.error;
  }
  process.stderr.write(`konnect: ${(err as Error)?.message ?? String(err)}\n`);
  return EXIT.error;
}

async function runDaemon(args: ParsedArgs): Promise<number> {
  const running = await createNode(args, 'daemon');
  const { node, logger } = running;
  const s = node.status();
  logger.info(
    `konnect daemon ready: ${s.nick} (${s.fingerprint}) on port ${s.port}, control socket ${running.control.path}, ${s.web ? `web page ${s.web}` : 'no web page (--no-web)'}`,
  );
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      logger.info(`${signal}: stopping`);
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  await running.stop();
  return EXIT.ok;
}

function isMain(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  // Everything konnect creates (identity, history and its -wal/-shm, log, peer files, socket) is
  // private to the user, on every path, including files a library creates with its own default mode.
  process.umask(0o077);
  main(process.argv.slice(2)).then(exitWhenFlushed, (err) => {
    process.stderr.write(`konnect: ${(err as Error).stack ?? err}\n`);
    exitWhenFlushed(EXIT.error);
  });
}
