import { SendSettings } from '../cli/client-settings';
import { connectTo } from '../connection/server-address';

/** Every 2xx reply is a success (a QUERY result, Replies.alertRegistered, Replies.metricInserted). */
const SUCCESS = /^2\d\d /;

/**
 * `send`: one command, its reply on stdout, exit code 0 on a 2xx reply and 1 otherwise (so
 * scripts can `send LOG ... || retry`). A connection failure is reported on stderr, also 1.
 */
export async function runSend({ server, command }: SendSettings): Promise<void> {
  const client = await connectTo(server);
  try {
    const reply = await client.send(command);
    process.stdout.write(`${reply}\n`);
    process.exitCode = SUCCESS.test(reply) ? 0 : 1;
  } finally {
    await client.close();
  }
}
