import { isUtf8 } from 'node:buffer';
import { splitTokens } from '@app/protocol';
import { asciiText } from './chunk-text';

/**
 * Decodes one line, bytes [start, end) of `buf`, into its tokens, or returns undefined when its
 * bytes are not valid UTF-8 (PROTOCOL.md: such a line gets the unknown-command reply). Tokens may
 * be slices of the whole chunk's text: whatever keeps one for long must copy it.
 */
export function tokenizeLine(buf: Buffer, start: number, end: number): string[] | undefined {
  const text = asciiText(buf);
  if (text !== undefined) return splitTokens(text, start, end);
  for (let i = start; i < end; i++) {
    if (buf[i] >= 0x80) {
      const bytes = buf.subarray(start, end);
      return isUtf8(bytes) ? splitTokens(bytes.toString('utf8')) : undefined;
    }
  }
  return splitTokens(buf.toString('latin1', start, end));
}

/** A verb worth looking up: upper-case letters and dashes only (never JSON, never quoted). */
const VERB = /^[A-Z][A-Z-]{0,31}$/;

export const isWellFormedVerb = (verb: string): boolean => VERB.test(verb);
