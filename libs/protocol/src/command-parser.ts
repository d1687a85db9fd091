import { parseIsoDate } from './date-parse';
import { isValidMetricId } from './metric-id';
import { parseDecimal } from './number-parse';

/**
 * Argument parsing of LOG, QUERY and NEW-ALERT (PROTOCOL.md, Arguments). `args` are the tokens
 * after the verb; undefined means "reply the command's usage". Token counts are exact: an extra
 * token is an error, not something to ignore.
 */

export type AggregateOp = 'AVG' | 'MAX' | 'MIN' | 'COUNT';

export interface LogArgs {
  id: string;
  value: number;
}

export interface QueryArgs {
  id: string;
  op: AggregateOp;
  secs: number;
  /** Inclusive bounds, epoch ms (possibly fractional); absent means unbounded. */
  from?: number;
  to?: number;
}

export interface AlertArgs {
  id: string;
  op: AggregateOp;
  secs: number;
  limit: number;
}

/** The hot path (about a million a second): two checks and one small object, nothing else. */
export function parseLogArgs(args: readonly string[]): LogArgs | undefined {
  if (args.length !== 2) return undefined;
  const id = args[0];
  if (!isValidMetricId(id)) return undefined;
  const value = parseDecimal(args[1]);
  return value === undefined ? undefined : { id, value };
}

/** QUERY <id> <op> <secs> [from] [to]; dates without a zone are read in `zone`. */
export function parseQueryArgs(args: readonly string[], zone: string): QueryArgs | undefined {
  if (args.length < 3 || args.length > 5) return undefined;
  const id = args[0];
  const op = args[1];
  const secs = parseSecs(args[2]);
  if (!isValidMetricId(id) || !isAggregateOp(op) || secs === undefined) return undefined;
  const query: QueryArgs = { id, op, secs };
  if (args.length >= 4) {
    const from = parseIsoDate(args[3], zone);
    if (from === undefined) return undefined;
    query.from = from;
  }
  if (args.length === 5) {
    const to = parseIsoDate(args[4], zone);
    if (to === undefined || (query.from as number) > to) return undefined;
    query.to = to;
  }
  return query;
}

/** NEW-ALERT <id> <op> <secs> <limit>. */
export function parseAlertArgs(args: readonly string[]): AlertArgs | undefined {
  if (args.length !== 4) return undefined;
  const id = args[0];
  const op = args[1];
  const secs = parseSecs(args[2]);
  const limit = parseDecimal(args[3]);
  if (!isValidMetricId(id) || !isAggregateOp(op) || secs === undefined || limit === undefined) {
    return undefined;
  }
  return { id, op, secs, limit };
}

export function isAggregateOp(token: string): token is AggregateOp {
  return token === 'AVG' || token === 'MAX' || token === 'MIN' || token === 'COUNT';
}

/**
 * A window length: a finite decimal that is not negative. The usage line says `<secs:int>`, but
 * PROTOCOL.md accepts fractions (`0.5`). `-0` is read as 0 so no negative zero travels further.
 */
function parseSecs(token: string): number | undefined {
  const secs = parseDecimal(token);
  return secs === undefined || secs < 0 ? undefined : secs + 0;
}

/**
 * The tokens of a command line (or of characters [start, end) of a text holding many lines):
 * split on runs of spaces and tabs, blanks at either end ignored.
 * Only these two separate tokens (PROTOCOL.md, Framing); any other character is part of one.
 */
export function splitTokens(line: string, start = 0, end = line.length): string[] {
  const tokens: string[] = [];
  let i = start;
  while (i < end) {
    while (i < end && isBlank(line.charCodeAt(i))) i++;
    if (i === end) break;
    const tokenStart = i;
    while (i < end && !isBlank(line.charCodeAt(i))) i++;
    tokens.push(line.slice(tokenStart, i));
  }
  return tokens;
}

function isBlank(code: number): boolean {
  return code === 32 /* space */ || code === 9; /* tab */
}
