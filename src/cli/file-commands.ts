/**
 * The file subcommands (PROTOCOL.md §21) against a running node: `send --file PATH` offers a file,
 * `files` lists what is offered, fetched or held, `get ID` fetches one and waits until it has landed.
 */
import { resolve } from 'node:path';
import { sanitizeLabel, UsageError } from '../wire/index.js';
import { type ChatApi, type ConversationRef, type FileInfo, formatBytes } from '../daemon/index.js';
import type { ParsedArgs } from './args.js';

type Out = (line: string) => void;

/** How often `konnect get` asks the node how far the fetch is (besides the events it is sent). */
const GET_POLL_MS = 500;

/** `konnect send --file PATH [--room R | --to NICK]`: prints the file's id. */
export async function runSendFile(api: ChatApi, args: ParsedArgs, out: Out): Promise<void> {
  const v = args.values;
  if (args.positionals.length > 0)
    throw new UsageError('USAGE', 'send --file takes no message text: konnect send --file PATH');
  const rooms = (v.room as string[] | undefined) ?? [];
  if (rooms.length > 1) throw new UsageError('USAGE', 'send takes one --room');
  if (v.to && rooms.length) throw new UsageError('USAGE', 'use --room or --to, not both');
  // The node reads the file: it gets an absolute path, resolved here against the caller's directory.
  const path = resolve(v.file as string);
  let to: ConversationRef;
  if (v.to) to = { kind: 'direct', peer: (await api.resolvePeer(v.to as string)).id };
  else to = { kind: 'room', room: rooms[0] ?? (await api.status()).rooms[0] };
  const file = await api.sendFile(to, path);
  out(v.json === true ? JSON.stringify(file) : file.id);
}

/** `konnect files [--json]`: one line per file, newest first. */
export async function runFiles(api: ChatApi, args: ParsedArgs, out: Out): Promise<void> {
  const all = await api.files();
  if (args.values.json === true) return out(JSON.stringify(all));
  if (all.length === 0) return out('no files offered or held yet');
  for (const file of all) out(formatFile(file));
}

/** `konnect get ID`: starts the fetch and waits until the file has landed; prints where. */
export async function runGet(api: ChatApi, args: ParsedArgs, out: Out): Promise<void> {
  const id = args.positionals[0];
  let file = await api.getFile(id);
  let wake: (() => void) | null = null;
  const unsubscribe = api.subscribe((event) => {
    if (event.type === 'file' && event.file.id === file.id) wake?.();
  });
  try {
    while (!finished(file)) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, GET_POLL_MS);
      });
      wake = null;
      file = (await api.files()).find((f) => f.id === file.id) ?? file;
      // On a terminal, how far it is, on one line rewritten in place (stdout stays the path alone).
      if (process.stderr.isTTY && file.state === 'fetching')
        process.stderr.write(`\r${progressLine(file)}\u001b[K`);
    }
  } finally {
    unsubscribe();
    if (process.stderr.isTTY) process.stderr.write('\r\u001b[K');
  }
  if (file.state === 'failed')
    throw new Error(`could not fetch ${sanitizeLabel(file.name)}: ${sanitizeLabel(file.error ?? 'failed')}`);
  out(args.values.json === true ? JSON.stringify(file) : (file.path ?? file.id));
}

/** `42% of 50.0 MiB  12.3 MiB/s  from 3 holders` */
function progressLine(file: FileInfo): string {
  const percent = file.chunks > 0 ? Math.floor((100 * file.held) / file.chunks) : 0;
  const rate = file.rate > 0 ? `  ${formatBytes(file.rate)}/s` : '';
  return `${sanitizeLabel(file.name)}: ${percent}% of ${formatBytes(file.size)}${rate}  from ${file.holders} holder${file.holders === 1 ? '' : 's'}`;
}

function finished(file: FileInfo): boolean {
  // getFile answers `done` only once the file has landed (a held file fetches again when its chunks
  // were dropped under --keep-files-bytes, so `held` says nothing here).
  return file.own || file.state === 'failed' || file.state === 'done';
}

/** `3f2a9c1b7d0e  done        50.0 MiB  big.bin  from alice in #lobby  /home/me/Downloads/big.bin` */
export function formatFile(file: FileInfo): string {
  const state =
    file.state === 'fetching' && file.chunks > 0
      ? `${Math.floor((100 * file.held) / file.chunks)}%`.padStart(4) + ' got'
      : file.state;
  const where = file.room !== null ? `#${sanitizeLabel(file.room)}` : 'direct';
  const who = file.own ? 'sent by you' : `from ${sanitizeLabel(file.nick)}`;
  const path = file.path ? `  ${sanitizeLabel(file.path)}` : '';
  const error = file.error ? `  (${sanitizeLabel(file.error)})` : '';
  return `${file.id.slice(0, 12)}  ${state.padEnd(8)}  ${formatBytes(file.size).padStart(10)}  ${sanitizeLabel(file.name)}  ${who} in ${where}${path}${error}`;
}
