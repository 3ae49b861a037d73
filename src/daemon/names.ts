/** Nicks and room names as a person types them: checked, normalised, and the default nick. */
import { userInfo } from 'node:os';
import { NICK_PATTERN } from '../wire/index.js';

export function defaultNick(): string {
  let name = 'anon';
  try {
    name = userInfo().username;
  } catch {
    // no user database entry: keep the default
  }
  const clean = [...name]
    .filter((c) => NICK_PATTERN.test(c))
    .join('')
    .slice(0, 32);
  return clean || 'anon';
}

export { checkNick, checkRoom } from '../wire/names.js';
