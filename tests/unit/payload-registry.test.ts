/**
 * The payload kinds a node reads are a registry object, filled at runtime: a kind registered there is
 * checked against its schema both ways, a kind not registered decodes to null (relayed unread) and
 * cannot be signed, and one kind cannot be claimed twice. The same for link message kinds.
 */
import { describe, expect, it } from 'vitest';
import {
  newMessageId,
  object,
  PAYLOAD_BASE,
  PayloadRegistry,
  packValue,
  text,
} from '../../src/wire/index.js';
import { LinkMessageTable } from '../../src/daemon/links/index.js';
import { generateIdentity } from '../../src/daemon/index.js';

const pingSchema = object({ ...PAYLOAD_BASE, note: text(10, { min: 0 }) });

function ping(note: string) {
  const ts = Date.now();
  return { kind: 'ping', id: newMessageId(ts), from: generateIdentity().id, ts, note };
}

describe('PayloadRegistry', () => {
  it('reads a kind registered at runtime, and checks it against its schema', () => {
    const registry = new PayloadRegistry();
    registry.register('ping', pingSchema);
    const payload = ping('hello');
    const decoded = registry.decode(registry.encode(payload));
    expect(decoded).toMatchObject({ kind: 'ping', note: 'hello', ts: payload.ts });
    expect(() => registry.encode(ping('far too long a note'))).toThrow(/note/);
    expect(() => registry.decode(packValue(ping('far too long a note')))).toThrow(/note/);
  });

  it('leaves a kind it does not know unread, and will not sign one', () => {
    const registry = PayloadRegistry.protocol();
    const bytes = packValue(ping('hi'));
    expect(registry.decode(bytes)).toBeNull();
    expect(registry.decodeWithOrigin(bytes).origin.ts).toBeGreaterThan(0);
    expect(() => registry.encode(ping('hi'))).toThrow(/not registered/);
  });

  it('refuses a kind registered twice', () => {
    const registry = PayloadRegistry.protocol();
    expect(() => registry.register('chat', pingSchema)).toThrow(/twice/);
  });
});

describe('LinkMessageTable', () => {
  it('hands a message to the handler of its kind, and refuses a kind registered twice', () => {
    const table = new LinkMessageTable();
    const seen: string[] = [];
    table.handle(['ihave', 'graft'], (_link, message) => seen.push(message.kind));
    expect(table.dispatch(null as never, { kind: 'graft', ids: [], origins: [] })).toBe(true);
    expect(table.dispatch(null as never, { kind: 'prune', origins: [] } as never)).toBe(false);
    expect(seen).toEqual(['graft']);
    expect(() => table.handle('ihave', () => {})).toThrow(/twice/);
  });
});
