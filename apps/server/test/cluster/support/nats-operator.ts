import {
  createAccount,
  createOperator,
  createUser,
  encodeAccount,
  encodeOperator,
  encodeUser,
  fmtCreds,
} from '@nats-io/jwt';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** No limits (the library's defaults are zero): connections, subscriptions and JetStream. */
const UNLIMITED_ACCOUNT = {
  ...{ subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true },
  ...{ conn: -1, leaf: -1, mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 },
};
const UNLIMITED_USER = { subs: -1, data: -1, payload: -1 };

/**
 * A NATS operator, as `nsc` would set one up: an operator, a system account, an application
 * account with JetStream, and a user of it whose credentials file a Pulse node is given. Signed
 * with @nats-io/jwt; nats-server validates every JWT itself.
 */
export class NatsOperator {
  private constructor(
    /** Top-level nats-server config lines: the operator, its accounts (memory resolver). */
    readonly configLines: string[],
    /** A `.creds` file (user JWT and nkey seed) of the application account's user. */
    readonly credsFile: string,
    /** The same file's bytes, for the harness's own connections. */
    readonly creds: Uint8Array,
  ) {}

  static async create(dir: string, name: string): Promise<NatsOperator> {
    const operator = createOperator();
    const system = createAccount();
    const app = createAccount();
    const user = createUser();
    const operatorJwt = await encodeOperator(name, operator, {
      system_account: system.getPublicKey(),
    });
    const systemJwt = await encodeAccount('SYS', system, {}, { signer: operator });
    const appJwt = await encodeAccount(
      'PULSE',
      app,
      { limits: UNLIMITED_ACCOUNT },
      { signer: operator },
    );
    const creds = fmtCreds(await encodeUser('pulse', user, app, UNLIMITED_USER), user);
    const credsFile = join(dir, `${name}.creds`);
    writeFileSync(credsFile, creds, { mode: 0o600 });
    const q = JSON.stringify;
    return new NatsOperator(
      [
        `operator: ${q(operatorJwt)}`,
        `system_account: ${q(system.getPublicKey())}`,
        'resolver: MEMORY',
        'resolver_preload: {',
        `  ${system.getPublicKey()}: ${q(systemJwt)}`,
        `  ${app.getPublicKey()}: ${q(appJwt)}`,
        '}',
      ],
      credsFile,
      creds,
    );
  }
}
