/**
 * Untrusted text (peer messages, nicks, reasons, addresses) is made safe to draw here, before it reaches
 * Ink: a peer must not be able to move the cursor, retitle the window, plant a hyperlink, ring the bell,
 * or reverse the direction of the text that follows its message.
 */

/**
 * Escape sequences, 7-bit and 8-bit: CSI (`ESC [` or 0x9B) with its parameters; OSC, DCS, SOS, PM and APC
 * strings up to their terminator (BEL or ST) or to the end of the text when unterminated; any other
 * `ESC` + intermediates + final byte; a lone trailing ESC.
 */
const ESCAPE_SEQUENCE =
  /(?:\u001B\[|\u009B)[\u0030-\u003F]*[\u0020-\u002F]*[\u0040-\u007E]?|(?:\u001B[\]PX^_]|[\u0090\u0098\u009D\u009E\u009F])[\s\S]*?(?:\u0007|\u001B\\|\u009C|$)|\u001B[\u0020-\u002F]*[\u0030-\u007E]?/g;

/** C0 controls except TAB and LF (handled apart), DEL, C1 controls. */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/**
 * Bidirectional controls (ALM, LRM, RLM, LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI): they can make a message
 * display as something other than what it says (CVE-2021-42574, "Trojan Source").
 */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Other invisible format characters that only confuse: BOM, interlinear annotations. */
const INVISIBLE = /[\uFEFF\uFFF9-\uFFFB]/g;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export interface SanitizeOptions {
  /**
   * Keep line breaks (CR LF, CR and U+2028 become LF). Otherwise every line break becomes a space.
   * @default false
   */
  keepNewlines?: boolean;
}

/** Text that can be drawn as it is: no escapes, no controls, no bidi overrides, well-formed UTF-16. */
export function sanitizeText(input: string, options: SanitizeOptions = {}): string {
  let text = input;
  // Fast path: printable ASCII needs nothing (the common case under load).
  if (/^[\u0020-\u007E]*$/.test(text)) return text;
  text = text.replace(ESCAPE_SEQUENCE, '');
  // CR LF, CR and the Unicode line and paragraph separators (which terminals do not break on) become LF.
  text = text.replace(/\r\n?|[\u2028\u2029]/g, '\n');
  text = text.replace(/\t/g, ' ');
  text = text.replace(CONTROL, '');
  text = text.replace(BIDI, '');
  text = text.replace(INVISIBLE, '');
  text = text.replace(LONE_SURROGATE, '\uFFFD');
  if (!options.keepNewlines) text = text.replace(/\n/g, ' ');
  return text;
}

/** A single-line label (nick, room, reason, address): sanitised, line breaks folded, trimmed. */
export function sanitizeLabel(input: string): string {
  return sanitizeText(input).trim();
}
