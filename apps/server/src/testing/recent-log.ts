import type { LoggerService } from '@nestjs/common';

/** Keeps the server's last log lines, to show what it did before an invariant broke. */
export class RecentLog implements LoggerService {
  readonly lines: string[] = [];
  private keep(level: string, message: unknown): void {
    this.lines.push(`${level} ${String(message)}`);
    if (this.lines.length > 40) this.lines.shift();
  }
  log = (m: unknown) => this.keep('log', m);
  warn = (m: unknown) => this.keep('warn', m);
  error = (m: unknown) => this.keep('error', m);
  debug = () => undefined;
  verbose = () => undefined;
  fatal = (m: unknown) => this.keep('fatal', m);
}
