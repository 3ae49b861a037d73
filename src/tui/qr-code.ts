/**
 * A QR code as lines of text for the terminal, so a phone's camera opens the node's web page (/web).
 * Half-block characters put two modules in one cell (a ~30-character URL makes a code about 33 cells
 * wide and 17 rows high). Drawn for a dark terminal: a light module is a full block in the text colour,
 * a dark one is the background; phone cameras also read the code the other way round on a light one.
 * Kept out of the shared command runner so the web page's bundle does not carry the encoder.
 */
import QRCode from 'qrcode';

export async function qrCodeLines(text: string): Promise<string[]> {
  const drawn = await QRCode.toString(text, {
    type: 'utf8',
    // The quiet zone: two modules around the code (the renderer wants an even margin).
    margin: 2,
    errorCorrectionLevel: 'L',
    // Swapped colours: the renderer then draws light modules as blocks (see above).
    color: { dark: '#ffffff', light: '#000000' },
  });
  return drawn.split('\n').filter((line) => line.length > 0);
}
