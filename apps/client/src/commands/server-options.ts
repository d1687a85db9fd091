import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
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
    new Option('--tls', 'connect with TLS (the server has PULSE_TLS_CERT_FILE)').env(
      'PULSE_SERVER_TLS',
    ),
    new Option('--ca <file>', "CA certificate (PEM) to trust for the server's certificate").env(
      'PULSE_SERVER_CA_FILE',
    ),
    new Option('--cert <file>', 'client certificate (PEM) for mutual TLS').env(
      'PULSE_CLIENT_CERT_FILE',
    ),
    new Option('--key <file>', "the client certificate's key (PEM)").env('PULSE_CLIENT_KEY_FILE'),
    new Option(
      '-c, --config <file>',
      'config file (YAML or JSON) whose keys are the env names',
    ).env('PULSE_CLIENT_CONFIG'),
  ];
}

/** The server address of the running mode, from the program's options. */
export function serverAddress(command: Command): ServerAddress {
  const options = command.optsWithGlobals<{
    host: string;
    port: number;
    timeout: number;
    tls?: boolean | string;
    ca?: string;
    cert?: string;
    key?: string;
  }>();
  const { host, port, timeout, ca, cert, key } = options;
  const tls = options.tls === true || options.tls === 'true' || options.tls === '1';
  if (!tls && (ca || cert || key))
    throw new InvalidArgumentError('--ca, --cert and --key need --tls');
  if (Boolean(cert) !== Boolean(key))
    throw new InvalidArgumentError('--cert and --key go together');
  const read = (option: string, file: string | undefined) => {
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (error) {
      throw new InvalidArgumentError(
        `${option} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  };
  return {
    host,
    port,
    timeoutMs: timeout,
    ...(tls
      ? { tls: { ca: read('--ca', ca), cert: read('--cert', cert), key: read('--key', key) } }
      : {}),
  };
}
