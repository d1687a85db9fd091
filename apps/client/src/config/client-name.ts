import { MAX_METRIC_ID_LENGTH } from '@app/protocol';

/** Characters a metric id may hold (PROTOCOL.md, Arguments). */
const INVALID_ID_CHARACTERS = /[^A-Za-z0-9_.:-]/g;

/** Metrics the random source logs for each client by default. */
export const DEFAULT_METRIC_SUFFIXES = ['cpu', 'mem', 'latency'] as const;

/**
 * A client name (in compose, the replica's hostname) made usable inside a metric id: every
 * character an id may not hold becomes `_`, as does a first character that may not start one,
 * and the result is capped at the id length limit.
 */
export function sanitizeClientName(name: string): string {
  const safe = name.replace(INVALID_ID_CHARACTERS, '_').replace(/^[.:-]/, '_');
  return (safe || '_').slice(0, MAX_METRIC_ID_LENGTH);
}

/**
 * `<name>.<suffix>` for each suffix, the name sanitized and shortened so the longest id still
 * fits the limit (two replicas with long names differ at the end of their hostnames less often
 * than at the start, so the start is what is kept).
 */
export function prefixedIds(name: string, suffixes: readonly string[]): string[] {
  const longest = Math.max(...suffixes.map((suffix) => suffix.length + 1));
  const prefix = sanitizeClientName(name).slice(0, MAX_METRIC_ID_LENGTH - longest);
  return suffixes.map((suffix) => `${prefix}.${suffix}`);
}
