import { loadConfig } from '../config/load-config';
import { ConfigError } from '../config/config-error';
import { describeStartupError } from './startup-error';

/** A Node system error as `listen`, `getaddrinfo` or `mkdir` raise it. */
const systemError = (message: string, fields: Record<string, unknown>): Error =>
  Object.assign(new Error(message), fields);

describe('describeStartupError', () => {
  const config = loadConfig({
    PULSE_HOST: '127.0.0.1',
    PULSE_PORT: '7070',
    PULSE_DATA_DIR: '/srv/pulse',
  });

  it('prints a ConfigError as it is (it names the setting or file)', () => {
    expect(describeStartupError(new ConfigError('PULSE_CONFIG x.yaml: line 2'), undefined)).toBe(
      'PULSE_CONFIG x.yaml: line 2',
    );
  });

  it.each([
    [
      'listen EADDRINUSE: address already in use 127.0.0.1:7070',
      { code: 'EADDRINUSE', syscall: 'listen' },
      'PULSE_PORT 7070 on 127.0.0.1 is already in use (EADDRINUSE)',
    ],
    [
      'listen EADDRNOTAVAIL: address not available 127.0.0.1',
      { code: 'EADDRNOTAVAIL', syscall: 'listen' },
      'PULSE_HOST 127.0.0.1 is not an address of this machine (EADDRNOTAVAIL)',
    ],
    [
      'listen EACCES: permission denied 127.0.0.1:7070',
      { code: 'EACCES', syscall: 'listen' },
      'PULSE_PORT 7070 on 127.0.0.1: permission denied (EACCES; ports below 1024 need privileges)',
    ],
    [
      'getaddrinfo ENOTFOUND nope.invalid',
      { code: 'ENOTFOUND', syscall: 'getaddrinfo' },
      'PULSE_HOST 127.0.0.1 does not resolve to an address (ENOTFOUND)',
    ],
    [
      "EACCES: permission denied, mkdir '/srv/pulse/wal'",
      { code: 'EACCES', syscall: 'mkdir', path: '/srv/pulse/wal' },
      'PULSE_DATA_DIR /srv/pulse is unusable: permission denied (EACCES, mkdir /srv/pulse/wal)',
    ],
    [
      "ENOENT: no such file or directory, mkdir '/srv'",
      { code: 'ENOENT', syscall: 'mkdir', path: '/srv' },
      'PULSE_DATA_DIR /srv/pulse is unusable: no such file or directory (ENOENT, mkdir /srv)',
    ],
  ])('names the setting of %s', (message, fields, expected) => {
    expect(describeStartupError(systemError(message, fields), config)).toBe(expected);
  });

  it('prints errors that already name their resource as they are, on one line', () => {
    const locked = new Error('data directory /srv/pulse is locked by another server');
    expect(describeStartupError(locked, config)).toBe(locked.message);
    const elsewhere = systemError("EACCES: permission denied, open '/etc/x'", {
      code: 'EACCES',
      syscall: 'open',
      path: '/etc/x',
    });
    expect(describeStartupError(elsewhere, config)).toBe(elsewhere.message);
    expect(describeStartupError(new Error('first\n\n  second  \n'), config)).toBe('first second');
    expect(describeStartupError('a string', config)).toBe('a string');
  });
});
