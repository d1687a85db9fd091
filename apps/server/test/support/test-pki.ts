import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, as PEM files. */
export interface KeyPair {
  cert: string;
  key: string;
}

function openssl(dir: string, args: string[]): void {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${run.stderr}`);
}

/**
 * Certificates for the TLS tests, made with the openssl command line (the recipe the README
 * gives): a CA, server certificates for 127.0.0.1 and localhost signed by it (one valid, one
 * expired, a second valid one to replace the first), client certificates signed by it and by
 * another CA. EC P-256 keys: quick to make.
 */
export class TestPki {
  private serial = 1;

  private constructor(readonly dir: string) {}

  static unavailableReason(): string | undefined {
    const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
    return probe.error || probe.status !== 0 ? 'openssl is not installed' : undefined;
  }

  static create(): TestPki {
    return new TestPki(mkdtempSync(join(tmpdir(), 'pulse-pki-')));
  }

  /** A self-signed CA named `name`. */
  ca(name: string): KeyPair {
    const pair = this.paths(name);
    openssl(this.dir, [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
      ...['-keyout', pair.key, '-out', pair.cert, '-days', '2', '-subj', `/CN=${name}`],
    ]);
    return pair;
  }

  /** A certificate signed by `ca`: a server's (for 127.0.0.1 and localhost) or a client's. */
  issue(ca: KeyPair, name: string, use: 'server' | 'client', days = 2): KeyPair {
    const pair = this.paths(name);
    const csr = join(this.dir, `${name}.csr`);
    const extensions = join(this.dir, `${name}.ext`);
    openssl(this.dir, [
      ...['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
      ...['-keyout', pair.key, '-out', csr, '-subj', `/CN=${name}`],
    ]);
    writeFileSync(
      extensions,
      use === 'server'
        ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
        : 'extendedKeyUsage=clientAuth\n',
    );
    openssl(this.dir, [
      ...['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key],
      ...['-set_serial', String(++this.serial), '-out', pair.cert, '-days', String(days)],
      ...['-extfile', extensions],
    ]);
    return pair;
  }

  private paths(name: string): KeyPair {
    return { cert: join(this.dir, `${name}.crt`), key: join(this.dir, `${name}.key`) };
  }
}
