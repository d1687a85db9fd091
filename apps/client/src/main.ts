import { Command, InvalidArgumentError } from 'commander';
import { hostname } from 'node:os';
import { LineClient } from './line-client';

/**
 * A minimal Pulse client: `send` one command, or `load` random metrics in a loop.
 * (The full client, with back-off, summaries and an interactive mode, is tracked separately.)
 */
const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('expected a non-negative integer');
  return n;
};

const program = new Command('pulse-client')
  .option('--host <host>', 'server host', process.env.PULSE_SERVER_HOST ?? '127.0.0.1')
  .option(
    '--port <port>',
    'server port',
    positiveInt,
    Number(process.env.PULSE_SERVER_PORT ?? 7070),
  );

program
  .command('send')
  .description('send one command, print the reply; exit 0 on a 2xx reply')
  .argument('<command...>')
  .action(async (words: string[]) => {
    const { host, port } = program.opts<{ host: string; port: number }>();
    const client = await LineClient.connect(host, port);
    const reply = await client.send(words.join(' '));
    process.stdout.write(`${reply}\n`);
    client.close();
    process.exitCode = reply.startsWith('2') ? 0 : 1;
  });

program
  .command('load', { isDefault: true })
  .description('send random metrics in a loop')
  .option('--interval <ms>', 'pause between LOGs', positiveInt, 1000)
  .option('--count <n>', 'stop after n LOGs (0: never)', positiveInt, 0)
  .option('--name <name>', 'prefix of the metric ids', hostname().replace(/[^A-Za-z0-9_.:-]/g, '_'))
  .action(async (options: { interval: number; count: number; name: string }) => {
    const { host, port } = program.opts<{ host: string; port: number }>();
    const client = await LineClient.connect(host, port);
    const ids = ['cpu', 'mem', 'latency'].map((m) => `${options.name}.${m}`);
    let stop = false;
    const onSignal = () => (stop = true);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    let value = 50;
    for (let sent = 0; !stop && (options.count === 0 || sent < options.count); sent++) {
      value = Math.min(100, Math.max(0, value + (Math.random() - 0.5) * 10));
      const id = ids[sent % ids.length];
      const reply = await client.send(`LOG ${id} ${value.toFixed(2)}`);
      process.stdout.write(`LOG ${id} ${value.toFixed(2)} -> ${reply}\n`);
      if (options.interval) await new Promise((r) => setTimeout(r, options.interval));
    }
    client.close();
  });

program.parseAsync().catch((error: Error) => {
  process.stderr.write(`pulse-client: ${error.message}\n`);
  process.exit(1);
});
