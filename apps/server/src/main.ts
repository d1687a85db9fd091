import 'reflect-metadata';
import { ConsoleLogger, Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from './config/load-config';
import { LOG_LEVELS } from './config/pulse-environment';
import { ServerConfig } from './config/server-config';
import { tuneHeap } from './heap-tuning';
import { ServerModule } from './server.module';
import { LineTransportServer } from './transport/line-transport.server';

/** Levels at and above the configured one (Nest takes the list of levels to print). */
const levelsFrom = (level: ServerConfig['logLevel']): LogLevel[] =>
  LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1) as LogLevel[];

async function bootstrap(): Promise<void> {
  tuneHeap();
  let config: ServerConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`pulse: ${error.message}\n`);
    process.exit(1);
  }
  const transport = new LineTransportServer({
    host: config.host,
    port: config.port,
    maxConnections: config.maxConnections,
    maxInFlight: config.maxInFlight,
    maxLineBytes: config.maxLineBytes,
    idleTimeoutMs: config.idleTimeoutMs,
    drainTimeoutMs: config.drainTimeoutMs,
  });
  const app = await NestFactory.createMicroservice(ServerModule.register(config), {
    strategy: transport,
    // Colours only on a terminal: container logs and files get plain text.
    logger: new ConsoleLogger('Pulse', {
      logLevels: levelsFrom(config.logLevel),
      colors: Boolean(process.stdout.isTTY),
    }),
    abortOnError: false,
  });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  exitOnSecondSignal();
  await app.listen();
}

/** The first SIGTERM/SIGINT drains and closes (Nest's hooks); a second one exits at once. */
function exitOnSecondSignal(): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals < 2) return;
    Logger.warn(`second ${signal}: exiting without waiting`, 'Shutdown');
    process.exit(1);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

bootstrap().catch((error: unknown) => {
  Logger.error(
    error instanceof Error ? (error.stack ?? error.message) : String(error),
    'Bootstrap',
  );
  process.exit(1);
});
