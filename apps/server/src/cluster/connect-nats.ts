import { Logger } from '@nestjs/common';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ClusterConfig } from '../config/server-config';

/** How long start-up waits for a NATS server before it gives up (one line, exit 1). */
const CONNECT_DEADLINE_MS = 30_000;

/**
 * Connects to the cluster's NATS servers: waits at start-up (the servers may start with the
 * node), then reconnects by itself for ever, logging each disconnection and reconnection.
 */
export async function connectNats(
  { servers, nodeId }: ClusterConfig,
  logger: Logger,
): Promise<NatsConnection> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `no NATS server answered at ${servers.join(',')} (PULSE_NATS_SERVERS) ` +
              `within ${CONNECT_DEADLINE_MS / 1000} s`,
          ),
        ),
      CONNECT_DEADLINE_MS,
    );
  });
  try {
    const nc = await Promise.race([
      connect({
        servers,
        name: `pulse-${nodeId}`,
        waitOnFirstConnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        // Every request (each LOG message's publish) would otherwise build two Error objects
        // with stack traces up front, a few per cent of the ingest path's CPU; Pulse logs
        // NATS errors by their message only.
        noAsyncTraces: true,
      }),
      deadline,
    ]);
    void logStatus(nc, logger);
    return nc;
  } finally {
    clearTimeout(timer);
  }
}

async function logStatus(nc: NatsConnection, logger: Logger): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === 'disconnect') logger.warn(`disconnected from NATS ${status.server}`);
    if (status.type === 'reconnect') logger.log(`reconnected to NATS ${status.server}`);
  }
}
