/**
 * Hostile WebSocket and HTTP clients on the mesh port (PROTOCOL.md §18), the web twin of
 * hostile-peers.test.ts: garbage (in a message and under the WebSocket framing), a text message, a
 * message at and past the frame limit, a stalled handshake, 500 connections from one address, and
 * HTTP oddities (a head never finished, a huge header, other methods, a first byte that is neither).
 * Each is refused with its code or closed, while an honest browser-like WebSocket link and a TCP link
 * carry on delivering both ways.
 */
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { generateIdentity, type Identity, type Link, type WebOptions } from '../../src/daemon/index.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import {
  decodePayload,
  DEFAULT_HOPS,
  DEFAULT_MAX_FRAME_BYTES,
  encodeFloodFrame,
  encodePayload,
  FrameDecoder,
  type LinkMessage,
  newMessageId,
} from '../../src/wire/index.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';
import { wsLink } from '../helpers/ws-link.js';

let mesh: TestMesh | undefined;
const links: Link[] = [];
const clients: WebSocket[] = [];
const sockets: Socket[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const l of links.splice(0)) l.destroy();
  for (const c of clients.splice(0)) c.terminate();
  for (const s of sockets.splice(0)) s.destroy();
  await mesh?.destroy();
  mesh = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const WIDE = { timeoutMs: 30_000 };

interface Honest {
  address: string;
  phone: Identity;
  got: LinkMessage[];
  link: Link;
}

/** Two TCP nodes; node 0 serves the page, and an honest browser-like link is up on its `/ws`. */
async function setup(web: Partial<WebOptions> = {}): Promise<Honest> {
  const root = mkdtempSync(join(tmpdir(), 'konnect-web-'));
  dirs.push(root);
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>konnect</title>');
  mesh = await TestMesh.start(2, { nodeOptions: (i) => (i === 0 ? { web: { root, ...web } } : {}) });
  await mesh.waitConnected(30_000);
  const address = mesh.nodes[0].address;
  const phone = generateIdentity();
  const link = await wsLink(address, { identity: phone, nick: 'phone' });
  links.push(link);
  const got: LinkMessage[] = [];
  link.on('message', (m) => got.push(m));
  return { address, phone, got, link };
}

function chatTexts(messages: LinkMessage[]): string[] {
  const out: string[] = [];
  for (const m of messages) {
    if (m.kind !== 'flood') continue;
    const payload = decodePayload(m.payload);
    if (payload?.kind === 'chat') out.push(payload.text);
  }
  return out;
}

/** A signed room message of `author`, as the frame a browser sends. */
function chatFrame(author: Identity, text: string): Uint8Array {
  const id = newMessageId();
  const payload = encodePayload({
    kind: 'chat',
    id,
    from: author.id,
    ts: Date.now(),
    room: 'lobby',
    nick: 'phone',
    text,
  });
  return encodeFloodFrame(id, DEFAULT_HOPS, payload, nodeCrypto.sign(payload, author.signingKey));
}

/** TCP node 1 → node 0 → the browser, and the browser → node 0 → node 1, both still deliver. */
async function honestStillWork(h: Honest, text: string): Promise<void> {
  const m = mesh!;
  const sent = m.nodes[1].node.send({ kind: 'room', room: 'lobby' }, text);
  await waitFor(() => m.nodes[0].received.some((r) => r.id === sent.id), `"${text}" over TCP`, WIDE);
  await waitFor(() => chatTexts(h.got).includes(text), `"${text}" over the honest WebSocket`, WIDE);
  h.link.sendFrame(chatFrame(h.phone, `${text} (phone)`));
  await waitFor(
    () => m.nodes[1].received.some((r) => r.text === `${text} (phone)`),
    `"${text} (phone)" from the browser to the far node`,
    WIDE,
  );
}

interface RawWs {
  ws: WebSocket;
  /** Frames the node sent, decoded (one binary message = one frame body). */
  frames: LinkMessage[];
  closed: Promise<{ code: number; reason: string }>;
}

/** A WebSocket that speaks only when told: what the node sends is collected, its close kept. */
async function rawWs(address: string): Promise<RawWs> {
  const ws = new WebSocket(`ws://${address}/ws`);
  clients.push(ws);
  ws.on('error', () => undefined); // the close code says what happened
  const frames: LinkMessage[] = [];
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    const body = data as Buffer;
    const framed = Buffer.alloc(4 + body.length);
    framed.writeUInt32BE(body.length, 0);
    body.copy(framed, 4);
    frames.push(...new FrameDecoder().push(framed));
  });
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.on('close', (code, reason) => r({ code, reason: String(reason) })),
  );
  await waitFor(() => ws.readyState === WebSocket.OPEN, `ws://${address}/ws to open`, WIDE);
  return { ws, frames, closed };
}

async function within<T>(promise: Promise<T>, what: string, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer));
}

/** A raw TCP connection to the mesh port: what it receives, and when it closes. */
function rawTcp(address: string): { socket: Socket; data: () => Buffer; closed: Promise<void> } {
  const [host, port] = address.split(':');
  const socket = connect({ host, port: Number(port) });
  sockets.push(socket);
  socket.on('error', () => undefined);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  return { socket, data: () => Buffer.concat(chunks), closed };
}

/** The close code of the first WebSocket close frame in what a server sent (unmasked frames). */
function serverCloseCode(bytes: Buffer): number | null {
  let at = bytes.indexOf('\r\n\r\n');
  if (at < 0) return null;
  at += 4;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at] & 0x0f;
    let length = bytes[at + 1] & 0x7f;
    let start = at + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(at + 2);
      start += 2;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(at + 2));
      start += 8;
    }
    if (opcode === 0x8) return length >= 2 ? bytes.readUInt16BE(start) : 1005;
    at = start + length;
  }
  return null;
}

describe('hostile WebSocket clients', () => {
  it('garbage in a binary message closes that link with FRAME_MALFORMED; the others carry on', async () => {
    const h = await setup();
    const raw = await rawWs(h.address);
    raw.ws.send(Buffer.from([0xc1, 0xc1, 0xc1, 0xc1, 0xc1]));
    await within(raw.closed, 'the node to close the garbage WebSocket');
    expect(raw.frames.find((f) => f.kind === 'error')).toMatchObject({ code: 'FRAME_MALFORMED' });
    await honestStillWork(h, 'after garbage');
  });

  it('garbage under the WebSocket framing after the upgrade is closed with 1002', async () => {
    const h = await setup();
    const raw = rawTcp(h.address);
    raw.socket.write(
      'GET /ws HTTP/1.1\r\nHost: konnect\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await waitFor(() => raw.data().includes('101 Switching Protocols'), 'the upgrade', WIDE);
    // Unmasked frames with a reserved opcode: no WebSocket client sends these.
    raw.socket.write(Buffer.alloc(64, 0xff));
    await within(raw.closed, 'the node to close the broken WebSocket');
    expect(serverCloseCode(raw.data())).toBe(1002);
    await honestStillWork(h, 'after framing garbage');
  });

  it('a text message is closed with 1003 (binary messages only)', async () => {
    const h = await setup();
    const raw = await rawWs(h.address);
    raw.ws.send('{"kind":"hello"}');
    expect((await within(raw.closed, 'the node to refuse the text message')).code).toBe(1003);
    await honestStillWork(h, 'after text');
  });

  it('a message at the frame limit reaches the link; one byte past it is closed with 1009', async () => {
    const h = await setup();
    // At the limit: the WebSocket layer lets it through, the link finds it is no frame.
    const at = await rawWs(h.address);
    at.ws.send(Buffer.alloc(DEFAULT_MAX_FRAME_BYTES, 0xc1));
    await within(at.closed, 'the node to close the link with the malformed frame at the limit');
    expect(at.frames.find((f) => f.kind === 'error')).toMatchObject({ code: 'FRAME_MALFORMED' });
    // Past it: refused by the WebSocket layer, before the link sees a byte of it.
    const past = await rawWs(h.address);
    past.ws.send(Buffer.alloc(DEFAULT_MAX_FRAME_BYTES + 1, 0xc1));
    expect((await within(past.closed, 'the node to refuse the oversized message')).code).toBe(1009);
    expect(past.frames.find((f) => f.kind === 'error')).toBeUndefined();
    await honestStillWork(h, 'after oversized');
  });

  it('a stalled handshake is closed with HANDSHAKE_TIMEOUT', async () => {
    const h = await setup();
    const raw = await rawWs(h.address);
    await within(raw.closed, 'the node to give up on the silent WebSocket');
    expect(raw.frames[0]).toMatchObject({ kind: 'hello' });
    expect(raw.frames.find((f) => f.kind === 'error')).toMatchObject({ code: 'HANDSHAKE_TIMEOUT' });
    await honestStillWork(h, 'after stall');
  });

  it('500 silent connections from one address hold at most its 16 slots; the others are closed at once', async () => {
    // A long head deadline: held connections stay held for the whole test, so the bound is what shows.
    const h = await setup({ headTimeoutMs: 120_000 });
    const [host, port] = h.address.split(':');
    let closed = 0;
    for (let k = 0; k < 500; k++) {
      const socket = connect({ host, port: Number(port), localAddress: '127.0.0.2' });
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => closed++);
    }
    await waitFor(() => closed >= 500 - 16, 'all but 16 of the 500 silent connections to be closed', WIDE);
    // While they are held: an honest browser joins from another address, and everything delivers.
    links.push(await wsLink(h.address, { nick: 'late' }));
    await honestStillWork(h, 'during 500 silent connections');
    expect(500 - closed).toBeGreaterThan(0);
    expect(500 - closed).toBeLessThanOrEqual(16);
  });

  it('WebSocket links from one address are bounded: the 9th is refused with 503, and one freed is taken again', async () => {
    const h = await setup();
    const from2: Link[] = [];
    for (let k = 0; k < 8; k++) {
      const link = await wsLink(h.address, { nick: `two${k}`, localAddress: '127.0.0.2' });
      links.push(link);
      from2.push(link);
    }
    await expect(wsLink(h.address, { nick: 'ninth', localAddress: '127.0.0.2' })).rejects.toThrow(/HTTP 503/);
    // Another address is not held back by this one's bound.
    links.push(await wsLink(h.address, { nick: 'other' }));
    from2[0].destroy();
    const again = await waitFor(
      () => wsLink(h.address, { nick: 'again', localAddress: '127.0.0.2' }).catch(() => null),
      'a slot of 127.0.0.2 to be free again after one of its links closed',
      WIDE,
    );
    links.push(again);
    await honestStillWork(h, 'after the links per address');
  });

  it('500 WebSocket upgrades from one address: at most 4 in their handshake, the others closed with 1013', async () => {
    const h = await setup();
    const [host, port] = h.address.split(':');
    // The node's own count of connections in their handshake, sampled all through the attack.
    const node = mesh!.nodes[0].node;
    let mostPending = 0;
    const sampler = setInterval(() => (mostPending = Math.max(mostPending, node.links.pendingHandshakes)), 2);
    const outcomes: string[] = [];
    const settled: Promise<void>[] = [];
    for (let k = 0; k < 500; k++) {
      // All from 127.0.0.2: one hostile address, apart from the honest ones on 127.0.0.1.
      const ws = new WebSocket(`ws://${host}:${port}/ws`, { localAddress: '127.0.0.2' });
      clients.push(ws);
      ws.on('error', () => undefined);
      let outcome = 'reset';
      ws.once('open', () => (outcome = 'open'));
      ws.once('unexpected-response', (_req, res) => {
        outcome = `http ${res.statusCode}`;
        ws.terminate();
      });
      settled.push(
        new Promise<void>((r) =>
          ws.once('close', (code) => {
            outcomes.push(outcome === 'open' ? `open, closed ${code}` : outcome);
            r();
          }),
        ),
      );
    }
    // While they are held: an honest browser joins from another address and everything delivers.
    const second = generateIdentity();
    const late = await wsLink(h.address, { identity: second, nick: 'late' });
    links.push(late);
    await honestStillWork(h, 'during the 500');
    await within(Promise.all(settled), 'all 500 connections to be answered and closed', 60_000).finally(() =>
      clearInterval(sampler),
    );

    const count = (what: string) => outcomes.filter((o) => o === what).length;
    // Bounded: at most 4 of the address's in their handshake at once (the honest late link, from
    // another address, may have been the fifth), not the 16 the node allows in all.
    expect(mostPending).toBeGreaterThan(0);
    expect(mostPending).toBeLessThanOrEqual(5);
    // Refused with codes: 1013 past the handshake slots (4 per address, as for TCP), 503 past the
    // WebSocket slots; the 4 let into their handshake end with HANDSHAKE_TIMEOUT (a normal close).
    expect(count('open, closed 1013')).toBeGreaterThan(0);
    expect(count('open, closed 1000')).toBeGreaterThan(0);
    expect(outcomes.filter((o) => !/^(open, closed 10(00|13)|http 503|reset)$/.test(o))).toEqual([]);
    // Every slot came back: the hostile address may connect again once it is quiet.
    const again = await waitFor(
      async () => {
        const ws = new WebSocket(`ws://${host}:${port}/ws`, { localAddress: '127.0.0.2' });
        clients.push(ws);
        ws.on('error', () => undefined);
        const ok = await new Promise<boolean>((r) => {
          ws.once('open', () => r(true));
          ws.once('close', () => r(false));
        });
        return ok ? ws : null;
      },
      'the address to get a WebSocket again after its 500 closed',
      WIDE,
    );
    again.terminate();
    await honestStillWork(h, 'after the 500');
  });
});

describe('HTTP oddities on the mesh port', () => {
  it('a head never finished is closed even when it trickles; a huge header is 431', async () => {
    const h = await setup({ headTimeoutMs: 2000 });
    // A slow-loris: a byte now and then keeps the idle timer fresh, but the head has a deadline.
    const slow = rawTcp(h.address);
    slow.socket.write('GET / HTTP/1.1\r\nHost: konnect\r\nX-Slow: ');
    const trickle = setInterval(() => slow.socket.write('a'), 100);
    try {
      await within(slow.closed, 'the node to close the unfinished head');
    } finally {
      clearInterval(trickle);
    }
    const big = rawTcp(h.address);
    big.socket.write(`GET / HTTP/1.1\r\nHost: konnect\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    await within(big.closed, 'the node to close the huge header');
    expect(big.data().toString('latin1')).toMatch(/^HTTP\/1\.1 431 /);
    await honestStillWork(h, 'after slow and huge heads');
  });

  it('other methods are 405; upgrades elsewhere are 404, from another site 403; a stranger byte is closed', async () => {
    const h = await setup();
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const res = await fetch(`http://${h.address}/`, { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
    const elsewhere = rawTcp(h.address);
    elsewhere.socket.write(
      'GET /chat HTTP/1.1\r\nHost: konnect\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await within(elsewhere.closed, 'the node to refuse the upgrade elsewhere');
    expect(elsewhere.data().toString('latin1')).toMatch(/^HTTP\/1\.1 404 /);
    const crossSite = new WebSocket(`ws://${h.address}/ws`, { origin: 'http://evil.example' });
    clients.push(crossSite);
    crossSite.on('error', () => undefined);
    const status = await within(
      new Promise<number>((r) => crossSite.once('unexpected-response', (_q, res) => r(res.statusCode ?? 0))),
      'the cross-site upgrade to be refused',
    );
    expect(status).toBe(403);
    // A TLS ClientHello starts with 0x16: neither a konnect frame nor HTTP; closed with no answer.
    const tls = rawTcp(h.address);
    tls.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]));
    await within(tls.closed, 'the node to close the stranger');
    expect(tls.data().length).toBe(0);
    await honestStillWork(h, 'after odd requests');
  });
});
