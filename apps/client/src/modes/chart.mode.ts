import { ChartSettings } from '../cli/client-settings';
import { queryCommand } from '../chart/chart-query';
import { renderChart } from '../chart/chart-renderer';
import { parseQueryResults } from '../chart/query-results';
import { connectTo } from '../connection/server-address';

/**
 * `chart`: runs the QUERY and draws its result. Exit code 0 when the query succeeded (even with
 * nothing selected), 1 with the reply printed as it is otherwise (usage error, `404`...).
 */
export async function runChart({ server, query, layout, zone }: ChartSettings): Promise<void> {
  const client = await connectTo(server);
  try {
    const reply = await client.send(queryCommand(query));
    const values = parseQueryResults(reply);
    const time = { answeredAt: Date.now(), zone };
    process.stdout.write(values ? renderChart(query, values, layout, time) : `${reply}\n`);
    process.exitCode = values ? 0 : 1;
  } finally {
    await client.close();
  }
}
