import { Command, Option } from 'commander';
import { ServerAddress } from '../connection/server-address';
import { parsePort, parsePositive } from '../config/option-parsers';

/** The options every mode shares, defined on the program (they may come before or after the mode). */
export function serverOptions(): Option[] {
  return [
    new Option('--host <host>', 'server host').env('PULSE_SERVER_HOST').default('127.0.0.1'),
    new Option('--port <port>', 'server port')
      .env('PULSE_SERVER_PORT')
      .default(7070)
      .argParser(parsePort),
    new Option('--timeout <ms>', 'connect timeout, and longest wait for a reply')
      .env('PULSE_CLIENT_TIMEOUT_MS')
      .default(10_000)
      .argParser(parsePositive),
    new Option(
      '-c, --config <file>',
      'config file (YAML or JSON) whose keys are the env names',
    ).env('PULSE_CLIENT_CONFIG'),
  ];
}

/** The server address of the running mode, from the program's options. */
export function serverAddress(command: Command): ServerAddress {
  const { host, port, timeout } = command.optsWithGlobals<{
    host: string;
    port: number;
    timeout: number;
  }>();
  return { host, port, timeoutMs: timeout };
}
