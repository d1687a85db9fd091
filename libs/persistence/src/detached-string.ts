/**
 * A copy of `text` that shares no memory with the string it came from. The transport cuts tokens
 * out of the decoded text of a whole socket read (up to 64 KiB), and V8 keeps a token of 13 or
 * more characters as a slice that holds on to all of that text. Strings the storage keeps for the
 * life of the server (metric ids, alert rules) are detached, so each costs its own length.
 * Only for ASCII text (metric ids are ASCII): latin1 round-trips every character below 256.
 */
export function detachedString(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}
