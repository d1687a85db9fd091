import { isUtf8 } from 'node:buffer';
import { REPLY } from '../support/replies';

/**
 * What the server must answer to arbitrary bytes, line by line, from PROTOCOL.md alone: one reply
 * per `\n`-terminated line (plus one for a non-empty final line once the client half-closes);
 * a line over the limit ends the connection with `line too long`; a line whose first token is not
 * a command word, or whose bytes are not UTF-8, gets the unknown-command reply. Lines that start
 * with a command word may get any of that command's replies.
 */
export type ExpectedReply = 'unknown' | 'command' | 'too-long';

const VERBS = new Set(['LOG', 'QUERY', 'NEW-ALERT']);

export function expectedReplies(
  bytes: Buffer,
  maxLineBytes: number,
  halfClosed: boolean,
): ExpectedReply[] {
  const out: ExpectedReply[] = [];
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, start);
    if (nl === -1) break;
    const verdict = classify(bytes.subarray(start, nl), maxLineBytes);
    out.push(verdict);
    if (verdict === 'too-long') return out;
    start = nl + 1;
  }
  const rest = bytes.subarray(start);
  if (rest.length > maxLineBytes + 1 || (rest.length > maxLineBytes && rest.at(-1) !== 0x0d)) {
    out.push('too-long'); // reported as soon as the limit is passed, before any `\n`
  } else if (halfClosed && rest.length > 0) {
    out.push(classify(rest, maxLineBytes));
  }
  return out;
}

function classify(line: Buffer, maxLineBytes: number): ExpectedReply {
  const body = line.at(-1) === 0x0d ? line.subarray(0, -1) : line;
  if (body.length > maxLineBytes) return 'too-long';
  if (!isUtf8(body)) return 'unknown';
  const [first = ''] = body
    .toString('utf8')
    .split(/[ \t]+/)
    .filter((token) => token !== '');
  return VERBS.has(first) ? 'command' : 'unknown';
}

/** Every reply a command line may get (exact texts, or a QUERY result). */
const COMMAND_REPLIES = new Set<string>([
  REPLY.inserted,
  REPLY.alertRegistered,
  REPLY.notFound,
  REPLY.logUsage,
  REPLY.queryUsage,
  REPLY.alertUsage,
]);

/** Whether `reply` is acceptable for a line the model classified as `expected`. */
export function replyFits(expected: ExpectedReply, reply: string): boolean {
  switch (expected) {
    case 'unknown':
      return reply === REPLY.unknownCommand;
    case 'too-long':
      return reply === REPLY.lineTooLong;
    case 'command':
      return COMMAND_REPLIES.has(reply) || /^200 \[[^\n]*\]\n$/.test(reply);
  }
}

/** The first reply that does not fit the model, described, or undefined when all fit. */
export function firstMisfit(expected: ExpectedReply[], replies: string[]): string | undefined {
  if (replies.length !== expected.length) {
    return `expected ${expected.length} replies, got ${replies.length}`;
  }
  const at = expected.findIndex((kind, i) => !replyFits(kind, replies[i]));
  return at === -1
    ? undefined
    : `reply #${at}: expected ${expected[at]}, got ${JSON.stringify(replies[at])}`;
}
