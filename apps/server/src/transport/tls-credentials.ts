import { Logger } from '@nestjs/common';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ConfigError } from '../config/config-error';

/** PULSE_TLS_CERT_FILE, PULSE_TLS_KEY_FILE and PULSE_TLS_CLIENT_CA_FILE (PEM files). */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** Clients must present a certificate signed by this CA (mutual TLS). */
  clientCaFile?: string;
}

/** A change to the files is read this long after the last event (editors write in steps). */
const RELOAD_DELAY_MS = 200;

/**
 * The protocol listener's certificate and key (and the CA its clients' certificates must be
 * signed by), as the options of the secure context each new connection is given. Reloaded when
 * a file changes or on SIGHUP: connections open keep the context they started with, new ones
 * get the new one (`onReload`: the listener's setSecureContext); a reload that fails (a
 * half-written file, a key that does not match) keeps the old one and logs one line. Minimum
 * TLS 1.2.
 */
export class TlsCredentials {
  private readonly logger = new Logger('Tls');
  private options: SecureContextOptions;
  private readonly watchers: FSWatcher[] = [];
  private pending: NodeJS.Timeout | undefined;
  /** Told of every successful reload (the listener takes the new context). */
  onReload: (options: SecureContextOptions) => void = () => undefined;

  /**
   * Reads and checks the files: a ConfigError naming the setting if one cannot be used.
   * @param settings the settings' prefix, for messages: PULSE_TLS (protocol) or PULSE_HTTP_TLS.
   */
  constructor(
    readonly files: TlsFiles,
    private readonly settings = 'PULSE_TLS',
  ) {
    this.options = TlsCredentials.load(files, settings);
  }

  get current(): SecureContextOptions {
    return this.options;
  }

  get requireClientCertificate(): boolean {
    return this.files.clientCaFile !== undefined;
  }

  /** Reads the files again; keeps the current context (and says why) if they cannot be used. */
  reload(reason: string): boolean {
    try {
      this.options = TlsCredentials.load(this.files, this.settings);
      this.onReload(this.options);
      this.logger.log(`reloaded the TLS certificate (${reason})`);
      return true;
    } catch (error) {
      this.logger.error(
        `kept the previous TLS certificate: ${(error as Error).message} (${reason})`,
      );
      return false;
    }
  }

  /** Reloads when a file changes (watching their directories: a file replaced by rename too). */
  watch(): void {
    const paths = [this.files.certFile, this.files.keyFile, this.files.clientCaFile];
    for (const path of paths.filter((p): p is string => p !== undefined)) {
      const watcher = watch(path, { persistent: false }, () => this.scheduleReload());
      watcher.on('error', () => watcher.close());
      this.watchers.push(watcher);
    }
  }

  close(): void {
    clearTimeout(this.pending);
    for (const watcher of this.watchers.splice(0)) watcher.close();
  }

  private scheduleReload(): void {
    clearTimeout(this.pending);
    this.pending = setTimeout(() => {
      this.reload('a file changed');
      // A file replaced by a rename is a new inode: watch the new one.
      for (const watcher of this.watchers.splice(0)) watcher.close();
      this.watch();
    }, RELOAD_DELAY_MS).unref();
  }

  /** The files' contents as context options, checked by making a context of them. */
  private static load(files: TlsFiles, settings: string): SecureContextOptions {
    const read = (setting: string, path: string): Buffer => {
      try {
        return readFileSync(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
        throw new ConfigError(`${setting} ${path} cannot be read (${code})`);
      }
    };
    const cert = read('PULSE_TLS_CERT_FILE', files.certFile);
    const key = read('PULSE_TLS_KEY_FILE', files.keyFile);
    const ca = files.clientCaFile
      ? read('PULSE_TLS_CLIENT_CA_FILE', files.clientCaFile)
      : undefined;
    const options: SecureContextOptions = { cert, key, ca, minVersion: 'TLSv1.2' };
    try {
      createSecureContext(options);
      return options;
    } catch (error) {
      throw new ConfigError(
        `${settings}_CERT_FILE ${files.certFile} and ${settings}_KEY_FILE ${files.keyFile}: ` +
          `not a usable certificate and key (${(error as Error).message})`,
      );
    }
  }
}
