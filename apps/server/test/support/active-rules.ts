import type { PulseServer } from './spawn-server';

/** A rule as GET /api/alerts lists it (the fields these tests read). */
export interface ListedRule {
  /** `<id> <op> <secs> <limit>` */
  rule: string;
  limit: number;
  checkedUpTo: number;
}

/**
 * The rules the server holds, from its HTTP API: after a restart, exactly the ones it recovered
 * from its data directory, whatever the files' format.
 */
export async function activeRules(server: PulseServer): Promise<ListedRule[]> {
  const response = await fetch(`http://127.0.0.1:${server.httpPort}/api/alerts`);
  if (!response.ok) throw new Error(`GET /api/alerts: ${response.status}`);
  return ((await response.json()) as { rules: ListedRule[] }).rules;
}
