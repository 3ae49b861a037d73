/**
 * Command-line parsing: one table of flags (with help text) shared by every subcommand, parsed with
 * node:util parseArgs in strict mode so a misspelt flag is a usage error, not silently ignored.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../wire/index.js';

export const COMMANDS = [
  'chat',
  'daemon',
  'status',
  'peers',
  'send',
  'history',
  'join',
  'leave',
  'doctor',
  // files (PROTOCOL.md §21)
  'files',
  'get',
  'help',
  'version',
] as const;
export type Command = (typeof COMMANDS)[number];

interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  arg?: string;
  help: string;
  commands: readonly Command[] | 'all';
}

const NODE_COMMANDS = ['chat', 'daemon'] as const;
const CLIENT_COMMANDS = ['status', 'peers', 'send', 'history', 'doctor', 'files', 'get'] as const;

export const FLAGS: Record<string, FlagSpec> = {
  'data-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'data directory (identity, history, control socket); default $KONNECT_HOME or ~/.local/share/konnect',
    commands: 'all',
  },
  nick: {
    type: 'string',
    arg: 'NAME',
    help: 'your nick (1-32 letters, digits, _ - .); default the last one used, else your login name',
    commands: NODE_COMMANDS,
  },
  room: {
    type: 'string',
    multiple: true,
    arg: 'NAME',
    help: 'room to join (repeatable; default the rooms last joined, else lobby); with send/history: the room',
    commands: [...NODE_COMMANDS, 'send', 'history'],
  },
  'room-key-file': {
    type: 'string',
    multiple: true,
    arg: 'FILE',
    help: 'the --room is private (PROTOCOL §19): its passphrase is the first line of FILE; with several --room, ROOM=FILE',
    commands: NODE_COMMANDS,
  },
  port: {
    type: 'string',
    arg: 'N',
    help: 'TCP port to listen on; default 7420, or a free port when taken',
    commands: NODE_COMMANDS,
  },
  host: {
    type: 'string',
    arg: 'ADDR',
    help: 'address to listen on; default 0.0.0.0 (all interfaces)',
    commands: NODE_COMMANDS,
  },
  peer: {
    type: 'string',
    multiple: true,
    arg: 'HOST:PORT',
    help: 'a peer to link to without discovery (repeatable)',
    commands: NODE_COMMANDS,
  },
  'no-mdns': {
    type: 'boolean',
    help: 'do not use mDNS discovery (static --peer and peer exchange only)',
    commands: NODE_COMMANDS,
  },
  'no-read-receipts': {
    type: 'boolean',
    help: 'do not tell peers when their direct messages were read on screen',
    commands: NODE_COMMANDS,
  },
  'no-web': {
    type: 'boolean',
    help: 'do not serve the chat page for phones and browsers (on by default, on the mesh port)',
    commands: NODE_COMMANDS,
  },
  'web-root': {
    type: 'string',
    arg: 'DIR',
    help: "serve the chat page from DIR; default the package's dist/web",
    commands: NODE_COMMANDS,
  },
  interface: {
    type: 'string',
    arg: 'NAME|ADDR',
    help: 'use mDNS only on this interface; default all interfaces',
    commands: [...NODE_COMMANDS, 'doctor'],
  },
  'max-links': {
    type: 'string',
    arg: 'N',
    help: 'most links this node holds at once; default 64',
    commands: NODE_COMMANDS,
  },
  'keep-messages': {
    type: 'string',
    arg: 'N',
    help: 'keep at most N messages per room or conversation; default 100000',
    commands: NODE_COMMANDS,
  },
  'keep-days': {
    type: 'string',
    arg: 'D',
    help: 'forget messages older than D days; default 365',
    commands: NODE_COMMANDS,
  },
  degree: {
    type: 'string',
    arg: 'N',
    help: 'target number of links per node; default 6',
    commands: NODE_COMMANDS,
  },
  'log-level': {
    type: 'string',
    arg: 'LEVEL',
    help: 'debug, info, warn, error or silent; default info (daemon), warn (chat, to DIR/konnect.log)',
    commands: NODE_COMMANDS,
  },
  to: {
    type: 'string',
    arg: 'NICK|ID',
    help: 'send a direct (end-to-end encrypted) message to this peer',
    commands: ['send'],
  },
  with: {
    type: 'string',
    arg: 'NICK|ID',
    help: 'show the direct conversation with this peer',
    commands: ['history'],
  },
  limit: {
    type: 'string',
    arg: 'N',
    help: 'how many messages, at most 10000 (newest, shown oldest first); default 50',
    commands: ['history'],
  },
  // files (PROTOCOL.md §21)
  file: {
    type: 'string',
    arg: 'PATH',
    help: 'with send: offer this file instead of a message (fetched by hash from whoever holds it)',
    commands: ['send'],
  },
  'auto-accept-bytes': {
    type: 'string',
    arg: 'N',
    help: 'fetch offered files up to N bytes without asking (pictures); default 8388608 (8 MiB)',
    commands: NODE_COMMANDS,
  },
  'keep-files-bytes': {
    type: 'string',
    arg: 'N',
    help: 'keep shared files up to N bytes to serve others, oldest dropped first; default 2 GiB',
    commands: NODE_COMMANDS,
  },
  'max-file-bytes': {
    type: 'string',
    arg: 'N',
    help: 'largest file sent or fetched; default 2147483648 (2 GiB)',
    commands: NODE_COMMANDS,
  },
  'download-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'where fetched files land; default $XDG_DOWNLOAD_DIR, else DATA_DIR/downloads',
    commands: NODE_COMMANDS,
  },
  search: { type: 'string', arg: 'TEXT', help: 'full-text search of the history', commands: ['history'] },
  all: { type: 'boolean', help: 'also list peers that are offline', commands: ['peers'] },
  json: {
    type: 'boolean',
    help: 'machine-readable output (stable, documented in README)',
    commands: CLIENT_COMMANDS,
  },
  help: { type: 'boolean', short: 'h', help: 'show help', commands: 'all' },
  version: { type: 'boolean', short: 'v', help: 'show the version', commands: 'all' },
};

export interface ParsedArgs {
  command: Command;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseCommandLine(argv: string[]): ParsedArgs {
  let command: Command = 'chat';
  let rest = argv;
  if (argv.length > 0 && !argv[0].startsWith('-')) {
    if (!(COMMANDS as readonly string[]).includes(argv[0])) {
      throw new UsageError('USAGE', `unknown command "${argv[0]}"; try konnect --help`);
    }
    command = argv[0] as Command;
    rest = argv.slice(1);
  }
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([name, spec]) => [
      name,
      {
        type: spec.type,
        ...(spec.multiple ? { multiple: true } : {}),
        ...(spec.short ? { short: spec.short } : {}),
      },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (err) {
    const what = parseErrorSentence((err as Error).message);
    throw new UsageError('USAGE', `${what}; try konnect ${command === 'chat' ? '' : command + ' '}--help`);
  }
  // Options may come before the command too (`konnect --data-dir X status`), as in git: the first
  // word is the command when none came first.
  if (rest === argv && parsed.positionals.length > 0) {
    const word = parsed.positionals[0];
    if (!(COMMANDS as readonly string[]).includes(word)) {
      throw new UsageError('USAGE', `unknown command "${word}"; try konnect --help`);
    }
    command = word as Command;
    parsed.positionals.shift();
  }
  const values = parsed.values as ParsedArgs['values'];
  if (values.help) return { command: 'help', values: { ...values, topic: command }, positionals: [] };
  if (values.version) return { command: 'version', values, positionals: [] };
  for (const name of Object.keys(values)) {
    const spec = FLAGS[name];
    if (spec.commands !== 'all' && !spec.commands.includes(command)) {
      throw new UsageError('USAGE', `--${name} does not apply to "konnect ${command}"`);
    }
  }
  if (values['no-web'] && values['web-root'] !== undefined) {
    throw new UsageError('USAGE', '--no-web turns the page off and --web-root says where it is: use one');
  }
  intFlag(values.limit, 'limit', 1, 10_000);
  intFlag(values.port, 'port', 0, 65535);
  intFlag(values.degree, 'degree', 2, 64);
  intFlag(values['max-links'], 'max-links', 1, 1024);
  intFlag(values['keep-messages'], 'keep-messages', 1, 10_000_000);
  intFlag(values['keep-days'], 'keep-days', 1, 36_500);
  fileFlags(values);
  if ((command === 'join' || command === 'leave') && parsed.positionals.length !== 1) {
    throw new UsageError('USAGE', `konnect ${command} takes one room name: konnect ${command} ROOM`);
  }
  if (command === 'get' && parsed.positionals.length !== 1) {
    throw new UsageError('USAGE', 'konnect get takes one file id: konnect get ID (konnect files lists them)');
  }
  const takesWords = ['send', 'help', 'join', 'leave', 'get'];
  if (!takesWords.includes(command) && parsed.positionals.length > 0) {
    throw new UsageError('USAGE', `unexpected argument "${parsed.positionals[0]}"`);
  }
  return { command, values, positionals: parsed.positionals };
}

/**
 * node:util parseArgs's messages, which quote its own syntax ("Option '--room <value>' argument is
 * ambiguous"), as sentences about what the user typed and what to type instead.
 */
function parseErrorSentence(message: string): string {
  let m = /Unknown option '([^']+)'/.exec(message);
  if (m) return `unknown option ${m[1]}`;
  m = /Option '(-[^' ]+)[^']*' argument is ambiguous/.exec(message);
  if (m) {
    return `${m[1]} needs a value, but the next word starts with "-"; for a value that starts with "-", write ${m[1]}=VALUE`;
  }
  m = /Option '(-[^' ]+)[^']*' argument missing/.exec(message);
  if (m) return `${m[1]} needs a value`;
  m = /Option '(-[^' ]+)[^']*' does not take an argument/.exec(message);
  if (m) return `${m[1]} takes no value`;
  return message.split('\n')[0].replace(/\.$/, '');
}

export function intFlag(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError('USAGE', `--${name} must be a whole number from ${min} to ${max}`);
  }
  return n;
}

/** Largest byte count a file flag takes: 8 GiB, the most chunks a file may have (PROTOCOL.md §21). */
export const MAX_FILE_FLAG_BYTES = 8 * 1024 ** 3;

/** The file flags as numbers (undefined when not given); a bad value is a usage error. */
export function fileFlags(values: ParsedArgs['values']): {
  autoAcceptBytes?: number;
  keepFilesBytes?: number;
  maxFileBytes?: number;
} {
  return {
    autoAcceptBytes: intFlag(values['auto-accept-bytes'], 'auto-accept-bytes', 0, MAX_FILE_FLAG_BYTES),
    keepFilesBytes: intFlag(values['keep-files-bytes'], 'keep-files-bytes', 0, 2 ** 50),
    maxFileBytes: intFlag(values['max-file-bytes'], 'max-file-bytes', 1, MAX_FILE_FLAG_BYTES),
  };
}

export function helpText(topic?: string): string {
  const lines = [
    'konnect: serverless chat for the local network',
    '',
    'Usage:',
    '  konnect [options]                         open the chat UI (starts a node, or attaches to a running daemon)',
    '  konnect daemon [options]                  run a headless node with a control socket',
    '  konnect status [--json]                   id, fingerprint, nick, port, rooms, links of the running node',
    '  konnect peers [--all] [--json]            peers: nick, fingerprint, addresses, linked, how found, RTT',
    '  konnect send [--room NAME | --to NICK|ID] TEXT   send a message (at most 4,000 characters); prints its id',
    '  konnect history [--room NAME | --with NICK|ID] [--search TEXT] [--limit N] [--json]',
    '  konnect join ROOM                         join a room (remembered across restarts)',
    '  konnect leave ROOM                        leave a room',
    '  konnect doctor [--interface NAME] [--json]   diagnose discovery and links; exit 1 when it finds a problem',
    '  konnect send --file PATH [--room NAME | --to NICK|ID]   offer a file; prints its id',
    '  konnect files [--json]                    files offered, being fetched or held, newest first',
    '  konnect get ID [--json]                   fetch an offered file (an id prefix); prints where it landed',
    '',
    'Options:',
  ];
  for (const [name, spec] of Object.entries(FLAGS)) {
    if (topic && topic !== 'chat' && spec.commands !== 'all' && !spec.commands.includes(topic as Command))
      continue;
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.arg ? ' ' + spec.arg : ''}`;
    lines.push(`  ${flag.padEnd(28)} ${spec.help}`);
  }
  lines.push(
    '',
    'Exit codes: 0 success, 1 error, 2 usage error, 3 no daemon running for the data directory.',
  );
  return lines.join('\n');
}
