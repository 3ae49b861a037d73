/**
 * The web page in the terminal UI: the status bar shows the page's address, `/web` (and `/qr`) prints
 * it with a QR code a phone camera reads, and a node serving no page says so.
 */
import QRCode from 'qrcode';
import { afterEach, describe, expect, test } from 'vitest';
import { qrCodeLines } from '../../src/tui/qr-code.js';
import { defaultApi, renderTui, type RenderedTui } from './harness.js';

let tui: RenderedTui | undefined;
afterEach(() => tui?.unmount());

const URL_SHOWN = 'http://192.168.1.5:7420/';

async function start(web: string | null) {
  const api = defaultApi();
  api.web = web;
  tui = await renderTui({ api, columns: 120, rows: 40 });
  return tui;
}

describe('the web page in the chat UI', () => {
  test('the status bar shows the page address, compactly', async () => {
    const t = await start(URL_SHOWN);
    await t.waitFor('[web 192.168.1.5:7420]');
  });

  test('/web prints the address and a QR code of it into the scrollback', async () => {
    const t = await start(URL_SHOWN);
    t.submit('/web');
    const expected = await qrCodeLines(URL_SHOWN);
    const frame = await t.waitFor(
      (f) => f.includes(`web page: ${URL_SHOWN}`) && expected.every((line) => f.includes(line)),
    );
    expect(frame).toContain('scan this with a phone');
    expect(t.api.callsOf('send')).toEqual([]);
  });

  test('/qr is the same command', async () => {
    const t = await start(URL_SHOWN);
    t.submit('/qr');
    const expected = await qrCodeLines(URL_SHOWN);
    await t.waitFor((f) => f.includes(`web page: ${URL_SHOWN}`) && f.includes(expected[3]));
  });

  test('a node serving no page says so, and the status bar shows no address', async () => {
    const t = await start(null);
    t.submit('/web');
    const frame = await t.waitFor('this node serves no web page (it was started with --no-web)');
    expect(frame).not.toContain('[web ');
  });
});

describe('the QR code drawing', () => {
  test('its cells are the modules of the URL code, light as blocks, with a quiet zone', async () => {
    const lines = await qrCodeLines(URL_SHOWN);
    const { modules } = QRCode.create(URL_SHOWN, { errorCorrectionLevel: 'L' });
    const size = modules.size;
    const margin = 2;
    expect(lines).toHaveLength(Math.ceil(size / 2) + margin);
    // Back from cells to modules: each cell holds the module above (top half) and below (bottom half).
    const light = (ch: string, top: boolean) => ch === '█' || (top ? ch === '▀' : ch === '▄');
    for (let y = 0; y < size; y++) {
      const line = [...lines[1 + (y >> 1)]];
      expect(line).toHaveLength(size + 2 * margin);
      for (let x = 0; x < size; x++) {
        const dark = Boolean(modules.get(y, x));
        expect(light(line[margin + x], y % 2 === 0), `module ${x},${y}`).toBe(!dark);
      }
    }
    expect(new Set(lines[0])).toEqual(new Set(['█']));
  });
});
