import { resolve, sep } from 'node:path';
import { ConfigError } from '../config/config-error';
import type { ServerConfig } from '../config/server-config';

/** The fields Node sets on a failed system call (`listen`, `getaddrinfo`, `mkdir`, ...). */
interface SystemError extends Error {
  code: string;
  syscall: string;
  path?: string;
}

const isSystemError = (error: unknown): error is SystemError =>
  error instanceof Error &&
  typeof (error as Partial<SystemError>).code === 'string' &&
  typeof (error as Partial<SystemError>).syscall === 'string';

/** The words of a system error after its code: `EACCES: permission denied, mkdir '/x'` -> `permission denied`. */
const causeOf = (error: SystemError): string =>
  error.message.replace(/^[A-Z_]+: /, '').replace(/, \w+ '.*'$/, '');

/** The HTTP listener could not open: one line naming PULSE_HTTP_HOST/PULSE_HTTP_PORT. */
export class HttpListenError extends Error {
  constructor(cause: unknown, host: string, port: number) {
    const code = (cause as Partial<SystemError>)?.code ?? '';
    const what =
      code === 'EADDRINUSE'
        ? 'is already in use'
        : code === 'EACCES'
          ? 'needs privileges (ports below 1024)'
          : `cannot be listened on: ${oneLine(messageOf(cause))}`;
    super(`PULSE_HTTP_PORT ${port} on PULSE_HTTP_HOST ${host} ${what}${code ? ` (${code})` : ''}`, {
      cause,
    });
  }
}

const RESOLVE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA']);

/**
 * Why the server could not start, as one line that names the setting (or file) and the cause,
 * for an operator reading a container log. `config` is undefined when the configuration itself
 * was the problem (its ConfigError already names the setting or file).
 */
export function describeStartupError(error: unknown, config: ServerConfig | undefined): string {
  if (error instanceof ConfigError || !config) return oneLine(messageOf(error));
  if (error instanceof HttpListenError) return error.message;
  if (isSystemError(error)) {
    const known = describeListenError(error, config) ?? describeDataDirError(error, config);
    if (known) return known;
  }
  return oneLine(messageOf(error));
}

function describeListenError(error: SystemError, { host, port }: ServerConfig): string | undefined {
  if (error.syscall === 'getaddrinfo' || RESOLVE_CODES.has(error.code)) {
    return `PULSE_HOST ${host} does not resolve to an address (${error.code})`;
  }
  if (error.syscall !== 'listen' && error.syscall !== 'bind') return undefined;
  switch (error.code) {
    case 'EADDRINUSE':
      return `PULSE_PORT ${port} on ${host} is already in use (EADDRINUSE)`;
    case 'EADDRNOTAVAIL':
      return `PULSE_HOST ${host} is not an address of this machine (EADDRNOTAVAIL)`;
    case 'EACCES':
      return `PULSE_PORT ${port} on ${host}: permission denied (EACCES; ports below 1024 need privileges)`;
    default:
      return `PULSE_HOST ${host}, PULSE_PORT ${port}: cannot listen: ${causeOf(error)} (${error.code})`;
  }
}

/**
 * A bare Node error on a path inside the data directory (storage's own errors already name the
 * directory and are printed as they are). Node's text starts with its code: `EACCES: ...`.
 */
function describeDataDirError(error: SystemError, { dataDir }: ServerConfig): string | undefined {
  if (!error.path || !error.message.startsWith(`${error.code}:`)) return undefined;
  const root = resolve(dataDir);
  const path = resolve(error.path);
  if (path !== root && !path.startsWith(root + sep) && !root.startsWith(path + sep)) {
    return undefined;
  }
  return `PULSE_DATA_DIR ${dataDir} is unusable: ${causeOf(error)} (${error.code}, ${error.syscall} ${error.path})`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Newlines (a parser's excerpt, a wrapped cause) would break the one-line promise. */
function oneLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean)
      .join(' ') || 'unknown error'
  );
}
