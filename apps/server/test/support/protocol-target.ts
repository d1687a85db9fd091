import { freshDataDir, PulseServer } from './spawn-server';

/** What the protocol suite needs of its server. */
export interface ProtocolTarget {
  readonly port: number;
  tail(): string;
  stop(): Promise<unknown>;
}

/**
 * The server the protocol suite talks to: the built server, spawned on a fresh data directory;
 * or, with PULSE_E2E_EXTERNAL_PORT set (npm run test:docker), the server already listening on
 * that loopback port (the container), which the suite neither starts nor stops.
 */
export async function startProtocolTarget(): Promise<ProtocolTarget> {
  const external = process.env.PULSE_E2E_EXTERNAL_PORT;
  if (!external) return PulseServer.start({ dataDir: await freshDataDir() });
  return {
    port: Number(external),
    tail: () => `--- external server on 127.0.0.1:${external}: see its own logs ---`,
    stop: async () => undefined,
  };
}
