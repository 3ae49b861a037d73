/**
 * The input line's language: plain text is a message, `/name args` a command, `//text` a message that
 * starts with a slash. Parsing is pure and checks arguments, so a mistake is explained in one line
 * before anything reaches the node.
 */

export type Command =
  | { name: 'help'; topic: string | null }
  | { name: 'nick'; nick: string }
  | { name: 'join'; room: string; key?: boolean }
  | { name: 'rekey'; room: string | null }
  | { name: 'leave'; room: string | null }
  | { name: 'rooms' }
  | { name: 'list' }
  | { name: 'topic'; text: string | null }
  | { name: 'msg'; target: string; text: string }
  | { name: 'dm'; target: string }
  | { name: 'back' }
  | { name: 'peers' }
  | { name: 'whois'; target: string }
  | { name: 'me'; text: string }
  | { name: 'clear' }
  | { name: 'search'; text: string }
  | { name: 'web' }
  // files (PROTOCOL.md §21)
  | { name: 'send'; path: string }
  | { name: 'get'; id: string }
  | { name: 'files' }
  | { name: 'quit' }
  // trust (PROTOCOL.md §20)
  | { name: 'trust'; target: string }
  | { name: 'verify'; target: string; confirm: boolean };

export type CommandName = Command['name'];

export type ParsedInput =
  | { kind: 'empty' }
  | { kind: 'text'; text: string }
  | { kind: 'command'; command: Command }
  | { kind: 'error'; message: string };

export interface CommandSpec {
  name: CommandName;
  aliases: string[];
  usage: string;
  summary: string;
}

/** Every command, in the order /help lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  { name: 'help', aliases: ['h'], usage: '/help [COMMAND]', summary: 'list commands, or explain one' },
  { name: 'nick', aliases: [], usage: '/nick NAME', summary: 'change your nick' },
  {
    name: 'join',
    aliases: ['j'],
    usage: '/join ROOM [--key]',
    summary: 'join a room and switch to it (--key: a private room, asks for its passphrase)',
  },
  {
    name: 'rekey',
    aliases: [],
    usage: '/rekey [ROOM]',
    summary: 'move a private room to a new passphrase (old messages stay readable)',
  },
  {
    name: 'leave',
    aliases: ['part'],
    usage: '/leave [ROOM]',
    summary: 'leave a room (or close a direct conversation)',
  },
  {
    name: 'rooms',
    aliases: [],
    usage: '/rooms',
    summary: 'list the rooms you are in, and how many private rooms you have not joined',
  },
  {
    name: 'list',
    aliases: [],
    usage: '/list',
    summary: 'list the rooms seen on the network, with their members and topics',
  },
  {
    name: 'topic',
    aliases: [],
    usage: '/topic [TEXT | -]',
    summary: "show this room's topic, set it for every member, or clear it with -",
  },
  { name: 'msg', aliases: [], usage: '/msg NICK TEXT', summary: 'send a direct message without switching' },
  { name: 'dm', aliases: ['query'], usage: '/dm NICK', summary: 'open the direct conversation with a peer' },
  { name: 'back', aliases: [], usage: '/back', summary: 'go back to the previous conversation' },
  { name: 'peers', aliases: ['names'], usage: '/peers', summary: 'list known peers' },
  {
    name: 'whois',
    aliases: [],
    usage: '/whois NICK',
    summary: 'show id, fingerprint, addresses and link of a peer',
  },
  { name: 'me', aliases: [], usage: '/me TEXT', summary: 'send an action (* nick text)' },
  {
    name: 'clear',
    aliases: [],
    usage: '/clear',
    summary: 'clear the conversation on screen (PgUp brings it back)',
  },
  { name: 'search', aliases: [], usage: '/search TEXT', summary: 'search the history of this conversation' },
  {
    name: 'web',
    aliases: ['qr'],
    usage: '/web',
    summary: "show this node's web page address and a QR code of it, for a phone on the same network",
  },
  // files (PROTOCOL.md §21)
  {
    name: 'send',
    aliases: [],
    usage: '/send PATH',
    summary: 'offer a file to this room or conversation (Tab completes the path)',
  },
  { name: 'get', aliases: [], usage: '/get ID', summary: 'fetch an offered file into your downloads folder' },
  { name: 'files', aliases: [], usage: '/files', summary: 'list files offered, being fetched or held' },
  { name: 'quit', aliases: ['exit'], usage: '/quit', summary: 'leave konnect' },
  // trust (PROTOCOL.md §20)
  {
    name: 'trust',
    aliases: [],
    usage: '/trust NICK',
    summary: "accept a peer's new key for its nick (after a NEW KEY warning)",
  },
  {
    name: 'verify',
    aliases: [],
    usage: '/verify NICK [yes]',
    summary: 'show the safety code to compare with a peer; "yes" once it matched marks it verified',
  },
];

/** Finds a command by name or alias (case-insensitive). */
export function findCommand(name: string): CommandSpec | undefined {
  const lower = name.toLowerCase();
  return COMMANDS.find((spec) => spec.name === lower || spec.aliases.includes(lower));
}

/** Names and aliases a `/` at the start of the line can complete to. */
export function commandWords(): string[] {
  return COMMANDS.flatMap((spec) => [spec.name, ...spec.aliases]);
}

const usageError = (spec: CommandSpec, why: string): ParsedInput => ({
  kind: 'error',
  message: `${why} (usage: ${spec.usage})`,
});

/** Splits off the first word: `['msg', 'bob hi there']`. */
function splitWord(text: string): [string, string] {
  const trimmed = text.trimStart();
  const space = trimmed.search(/\s/);
  return space < 0 ? [trimmed, ''] : [trimmed.slice(0, space), trimmed.slice(space).trim()];
}

/** Parses one submitted line. */
export function parseInput(line: string): ParsedInput {
  if (line.trim() === '') return { kind: 'empty' };
  if (line.startsWith('//')) return { kind: 'text', text: line.slice(1) };
  if (!line.startsWith('/')) return { kind: 'text', text: line };

  const [word, rest] = splitWord(line.slice(1));
  if (word === '')
    return {
      kind: 'error',
      message: 'a command name must follow "/" (send "//" to start a message with "/")',
    };
  const spec = findCommand(word);
  if (!spec) return { kind: 'error', message: `unknown command /${word}; /help lists the commands` };
  const [first, afterFirst] = splitWord(rest);

  const noArguments = (command: Command): ParsedInput =>
    rest === '' ? { kind: 'command', command } : usageError(spec, `/${spec.name} takes no arguments`);
  const oneWord = (what: string, make: (value: string) => Command): ParsedInput => {
    if (first === '') return usageError(spec, `/${spec.name} needs a ${what}`);
    if (afterFirst !== '') return usageError(spec, `a ${what} is one word`);
    return { kind: 'command', command: make(first) };
  };
  const freeText = (what: string, make: (value: string) => Command): ParsedInput =>
    rest === '' ? usageError(spec, `/${spec.name} needs ${what}`) : { kind: 'command', command: make(rest) };

  switch (spec.name) {
    case 'help':
      if (afterFirst !== '') return usageError(spec, '/help takes at most one command name');
      return {
        kind: 'command',
        command: { name: 'help', topic: first === '' ? null : first.replace(/^\//, '') },
      };
    case 'nick':
      return oneWord('nick', (nick) => ({ name: 'nick', nick }));
    case 'join':
      if (afterFirst === '--key' && first !== '')
        return { kind: 'command', command: { name: 'join', room: normaliseRoom(first), key: true } };
      return oneWord('room name', (room) => ({ name: 'join', room: normaliseRoom(room) }));
    case 'rekey':
      if (afterFirst !== '') return usageError(spec, 'a room name is one word');
      return {
        kind: 'command',
        command: { name: 'rekey', room: first === '' ? null : normaliseRoom(first) },
      };
    case 'leave':
      if (afterFirst !== '') return usageError(spec, 'a room name is one word');
      return {
        kind: 'command',
        command: { name: 'leave', room: first === '' ? null : normaliseRoom(first) },
      };
    case 'msg':
      if (first === '') return usageError(spec, '/msg needs a nick and a message');
      if (afterFirst === '') return usageError(spec, `/msg needs a message after "${first}"`);
      return { kind: 'command', command: { name: 'msg', target: first, text: afterFirst } };
    case 'dm':
      return oneWord('nick', (target) => ({ name: 'dm', target }));
    case 'whois':
      return oneWord('nick', (target) => ({ name: 'whois', target }));
    // trust (PROTOCOL.md §20)
    case 'trust':
      return oneWord('nick', (target) => ({ name: 'trust', target }));
    case 'verify': {
      if (first === '') return usageError(spec, '/verify needs a nick');
      const confirm = /^(--)?yes$/i.test(afterFirst);
      if (afterFirst !== '' && !confirm) return usageError(spec, `say "yes" after the nick, or nothing`);
      return { kind: 'command', command: { name: 'verify', target: first, confirm } };
    }
    case 'me':
      return freeText('an action', (text) => ({ name: 'me', text }));
    case 'search':
      return freeText('something to search for', (text) => ({ name: 'search', text }));
    case 'topic':
      return { kind: 'command', command: { name: 'topic', text: rest === '' ? null : rest } };
    // files (PROTOCOL.md §21): a path may hold spaces, so it is the rest of the line
    case 'send':
      return freeText('a file path', (path) => ({ name: 'send', path }));
    case 'get':
      return oneWord('file id', (id) => ({ name: 'get', id }));
    case 'files':
      return noArguments({ name: 'files' });
    case 'rooms':
    case 'list':
    case 'back':
    case 'peers':
    case 'clear':
    case 'web':
    case 'quit':
      return noArguments({ name: spec.name });
  }
}

/** `#General` and `general` name the same room: rooms are lower case, the `#` is decoration. */
export function normaliseRoom(room: string): string {
  return room.replace(/^#+/, '').toLowerCase();
}
