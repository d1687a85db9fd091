import { ConsoleLogger } from '@nestjs/common';

/**
 * The server's logger. Nest's ExceptionHandler logs an error thrown while the modules are being
 * built, with its stack, before rethrowing it (abortOnError: false); main.ts then reports the
 * same error as its one `pulse: ...` line. Dropping the ExceptionHandler's copy keeps a failed
 * start-up to that one line. (ExceptionHandler logs nothing else: it only wraps the build.)
 */
export class PulseLogger extends ConsoleLogger {
  override error(message: unknown, ...optionalParams: unknown[]): void {
    if (optionalParams.at(-1) === 'ExceptionHandler') return;
    super.error(message, ...optionalParams);
  }
}
