import { LineClient } from '../../../server/test/support/line-client';
import { REPLY, parseResults } from '../../../server/test/support/replies';

/**
 * How many values the server holds for each id (0 for a metric never logged), asked over a raw
 * connection: one COUNT window of a day covers anything a test logged.
 */
export async function storedCounts(port: number, ids: string[]): Promise<Record<string, number>> {
  const client = await LineClient.connect(port);
  try {
    const replies = await client.pipeline(ids.map((id) => `QUERY ${id} COUNT 86400`));
    const counts: Record<string, number> = {};
    ids.forEach((id, index) => {
      const reply = replies[index];
      counts[id] = reply === REPLY.notFound ? 0 : parseResults(reply).reduce((a, b) => a + b, 0);
    });
    return counts;
  } finally {
    client.destroy();
  }
}
