/** `200 [a, b, ...]`: a QUERY's aggregates. */
const RESULTS = /^200 \[(.*)\]$/;

/**
 * The numbers of a successful QUERY reply, oldest window first, or undefined when the reply is
 * anything else (a usage error, `404`...), which the caller then shows as it is.
 */
export function parseQueryResults(reply: string): number[] | undefined {
  const match = RESULTS.exec(reply);
  if (!match) return undefined;
  if (match[1] === '') return [];
  const values = match[1].split(', ').map(Number);
  return values.every(Number.isFinite) ? values : undefined;
}
