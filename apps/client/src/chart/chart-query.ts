/** What `chart` takes: the arguments of a QUERY. */
export interface ChartQuery {
  id: string;
  op: string;
  secs: string;
  from?: string;
  to?: string;
}

export const CHART_USAGE = 'chart <id> <op> <secs> [from] [to]';

/** The QUERY command a chart runs (the server validates the arguments and says if they are bad). */
export function queryCommand({ id, op, secs, from, to }: ChartQuery): string {
  return ['QUERY', id, op, secs, from, to].filter((word) => word !== undefined).join(' ');
}

/** `chart`'s arguments from words (manual mode's `chart ...` line), or undefined if too few/many. */
export function chartQueryFromWords(words: readonly string[]): ChartQuery | undefined {
  if (words.length < 3 || words.length > 5) return undefined;
  const [id, op, secs, from, to] = words;
  return { id, op, secs, from, to };
}
