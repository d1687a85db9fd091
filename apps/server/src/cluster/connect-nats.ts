import { Logger } from '@nestjs/common';
import {
  AuthorizationError,
  connect,
  TimeoutError,
  credsAuthenticator,
  usernamePasswordAuthenticator,
} from '@nats-io/transport-node';
import type { Authenticator, ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsAuth, NatsSecurity } from '../config/nats-security';
import type { ClusterConfig } from '../config/server-config';

/** How long start-up waits for a NATS server before it gives up (one line, exit 1). */
const CONNECT_DEADLINE_MS = 30_000;
/** One attempt's bound (nats.js's default, 20 s, would overrun the deadline). */
const ATTEMPT_TIMEOUT_MS = 5_000;
const RETRY_MS = 250;

/**
 * Connects to the cluster's NATS servers: retries at start-up while none answers (the servers
 * may start with the node), then reconnects by itself for ever, logging each disconnection and
 * reconnection. A refusal that no retry can cure (credentials, TLS) fails start-up at once.
 */
export async function connectNats(
  { servers, nodeId, security }: ClusterConfig,
  logger: Logger,
): Promise<NatsConnection> {
  const options: ConnectionOptions = {
    servers,
    name: `pulse-${nodeId}`,
    timeout: ATTEMPT_TIMEOUT_MS,
    maxReconnectAttempts: -1,
    reconnectTimeWait: RETRY_MS,
    // Every request (each LOG message's publish) would otherwise build two Error objects
    // with stack traces up front, a few per cent of the ingest path's CPU; Pulse logs
    // NATS errors by their message only.
    noAsyncTraces: true,
    ...securityOptions(security),
  };
  const deadline = Date.now() + CONNECT_DEADLINE_MS;
  for (;;) {
    try {
      const nc = await connect(options);
      void logStatus(nc, logger);
      return nc;
    } catch (error) {
      const reason = (error as Error).message;
      if (isPermanent(error))
        throw new Error(`NATS at ${servers.join(',')} refused this node: ${reason}`, {
          cause: error,
        });
      if (Date.now() + RETRY_MS > deadline)
        throw new Error(
          `no NATS server answered at ${servers.join(',')} (PULSE_NATS_SERVERS) ` +
            `within ${CONNECT_DEADLINE_MS / 1000} s (last error: ${reason}` +
            `${security.tls && error instanceof TimeoutError ? TLS13_REFUSAL_HINT : ''})`,
          { cause: error },
        );
      await sleep(RETRY_MS);
    }
  }
}

/**
 * Under TLS 1.3 a server checks the client's certificate after the client's side of the
 * handshake is done, and nats.js then waits for an answer that never comes.
 */
const TLS13_REFUSAL_HINT =
  '; a server that refuses the client certificate (PULSE_NATS_TLS_CERT_FILE) looks like this';

function securityOptions({ auth, tls }: NatsSecurity): Partial<ConnectionOptions> {
  return {
    ...(auth ? { authenticator: authenticatorOf(auth) } : {}),
    // Given, TLS is required: a server (or an impostor) offering none is refused, rather than
    // sent a password in the clear.
    ...(tls ? { tls } : {}),
  };
}

function authenticatorOf(auth: NatsAuth): Authenticator {
  return auth.kind === 'creds'
    ? credsAuthenticator(auth.creds)
    : usernamePasswordAuthenticator(auth.user, auth.password);
}

/**
 * Wrong credentials, TLS the server does not offer (or requires), a certificate that does not
 * verify: the same answer on every retry, so waiting 30 s would only hide it.
 */
function isPermanent(error: unknown): boolean {
  if (error instanceof AuthorizationError) return true;
  const { message, code } = error as NodeJS.ErrnoException;
  return (
    /\btls\b|certificate|authori[sz]ation/i.test(message) || /^ERR_(TLS|SSL)_/.test(code ?? '')
  );
}

async function logStatus(nc: NatsConnection, logger: Logger): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === 'disconnect') logger.warn(`disconnected from NATS ${status.server}`);
    if (status.type === 'reconnect') logger.log(`reconnected to NATS ${status.server}`);
  }
}
