/**
 * Aggregates as the protocol prints them (PROTOCOL.md, Semantics): COUNT as an integer, AVG, MIN
 * and MAX as Python's repr of a float (`1.0`, `0.5`, `0.0001`, `1e-05`, `1e+16`). The digits come
 * from libs/protocol's formatter, the one the server replies with, so the page shows exactly
 * what QUERY answers and the rule is written once.
 */
import { formatCount, formatFloat } from '@app/protocol/float-format';
import type { AggregateOp } from '../api/api-types';

/** What the page shows where a series has no value (an empty window, another series' time). */
export const NO_VALUE = '–';

/** One aggregate of `op` as QUERY prints it; NO_VALUE for a missing one. */
export function formatAggregate(op: AggregateOp, x: number | null | undefined): string {
  if (x === null || x === undefined) return NO_VALUE;
  return op === 'COUNT' ? formatCount(x) : formatFloat(x);
}

/** A stored value or a rule's limit: a float, as the protocol prints limits and aggregates. */
export function formatValue(x: number | null | undefined): string {
  return x === null || x === undefined ? NO_VALUE : formatFloat(x);
}
