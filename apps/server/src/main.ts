import 'reflect-metadata';
import { join } from 'node:path';
import { LogLevel, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeStartupError } from './bootstrap/startup-error';
import { PulseLogger } from './bootstrap/pulse-logger';
import { loadConfig } from './config/load-config';
import { LOG_LEVELS } from './config/pulse-environment';
import { ServerConfig } from './config/server-config';
import { ServerModule } from './server.module';
import { LineTransportServer } from './transport/line-transport.server';
import { TlsCredentials } from './transport/tls-credentials';
import { HttpListenError } from './bootstrap/startup-error';
import { configureHttpApp, HTTP_BODY_LIMIT, packageVersion } from './bootstrap/http-app';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import type { Server as TlsServer } from 'node:tls';

/** Levels at and above the configured one (Nest takes the list of levels to print). */
const levelsFrom = (level: ServerConfig['logLevel']): LogLevel[] =>
  LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1) as LogLevel[];

async function bootstrap(config: ServerConfig): Promise<void> {
  // Read and checked before anything opens: a bad certificate is a start-up error.
  const tls = config.tls ? new TlsCredentials(config.tls) : undefined;
  const httpTls = config.http?.tls
    ? new TlsCredentials(config.http.tls, 'PULSE_HTTP_TLS')
    : undefined;
  process.on('SIGHUP', () => {
    tls?.reload('SIGHUP');
    httpTls?.reload('SIGHUP');
  });
  const transport = new LineTransportServer({
    host: config.host,
    port: config.port,
    maxConnections: config.maxConnections,
    maxInFlight: config.maxInFlight,
    maxLineBytes: config.maxLineBytes,
    idleTimeoutMs: config.idleTimeoutMs,
    drainTimeoutMs: config.drainTimeoutMs,
    tls,
  });
  const module = ServerModule.register(config, {
    transport,
    version: packageVersion(join(__dirname, '../../../package.json')),
  });
  // Colours only on a terminal: container logs and files get plain text.
  const logger = new PulseLogger('Pulse', {
    logLevels: levelsFrom(config.logLevel),
    colors: Boolean(process.stdout.isTTY),
  });
  if (!config.http) {
    const app = await NestFactory.createMicroservice(module, {
      strategy: transport,
      logger,
      abortOnError: false,
    });
    app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
    exitOnSecondSignal();
    await app.listen();
    return;
  }
  // A hybrid application: Fastify's HTTP adapter (health, metrics) plus the line protocol's
  // transport strategy; closing the app closes both, then storage (Nest's shutdown order).
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({
      bodyLimit: HTTP_BODY_LIMIT,
      ...(httpTls ? { https: httpTls.current } : {}),
    }),
    { logger, abortOnError: false },
  );
  await configureHttpApp(app, config.http, join(__dirname, 'dashboard'));
  app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  exitOnSecondSignal();
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onClose', async () => {
      httpTls?.close();
      Logger.log('closed the HTTP listener', 'HttpListener');
    });
  // Storage is recovered (module init) before either port opens, as without HTTP; the protocol
  // port opens last, so its `listening on` line still says that everything is up.
  await app.init();
  const { host, port } = config.http;
  try {
    // Fastify's own listen: Nest's app.listen would also log the error, and a start-up error
    // must be one line. Nest's shutdown closes the adapter whether or not it listened.
    await app.getHttpAdapter().getInstance().listen({ port, host });
  } catch (error) {
    // The HTTP host is PULSE_HOST's unless set: an address that does not resolve or is not
    // this machine's is then PULSE_HOST's fault, and the usual message names it.
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const hostError = code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code.startsWith('EAI_');
    if (hostError && host === config.host) throw error;
    throw new HttpListenError(error, host, port);
  }
  const address = app.getHttpServer().address() as AddressInfo;
  if (httpTls) {
    // New HTTPS connections get a replaced certificate; open ones keep theirs.
    const server = app.getHttpServer() as unknown as TlsServer;
    httpTls.onReload = (options) => server.setSecureContext(options);
    httpTls.watch();
  }
  Logger.log(
    `HTTP on ${address.address}:${address.port}${httpTls ? ' with TLS' : ''} (/ the dashboard, /api, /healthz, /readyz, /metrics)`,
    'HttpListener',
  );
  await app.startAllMicroservices();
}

/**
 * Signals this close to the first are the same request delivered twice (GNU `timeout` signals
 * the process and then its process group), not an operator insisting.
 */
const SAME_SIGNAL_WINDOW_MS = 250;

/** The first SIGTERM/SIGINT drains and closes (Nest's hooks); a second one exits at once. */
function exitOnSecondSignal(): void {
  let first: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (first === undefined) {
      first = performance.now();
      return;
    }
    if (performance.now() - first <= SAME_SIGNAL_WINDOW_MS) return;
    Logger.warn(`second ${signal}: exiting without waiting`, 'Shutdown');
    process.exit(1);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * Any start-up failure (configuration, data directory, listener) is one line on stderr naming
 * the setting or file and the cause, and exit code 1: no stack trace, which would only bury the
 * cause for an operator. Nothing has been acknowledged yet, so exiting without closing loses
 * nothing; the exit releases the data directory's lock.
 */
async function main(): Promise<void> {
  let config: ServerConfig | undefined;
  try {
    config = {
      ...loadConfig(),
      // Built next to this file (rspack.config.js); tests that run the sources leave it unset.
      compactionWorkerScript: join(__dirname, 'compaction-worker.js'),
    };
    await bootstrap(config);
  } catch (error) {
    process.stderr.write(`pulse: ${describeStartupError(error, config)}\n`);
    process.exit(1);
  }
}

void main();
