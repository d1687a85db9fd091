import type { LineTransportServer } from '../transport/line-transport.server';

/**
 * What main.ts made outside the Nest container and the HTTP endpoints read: the protocol
 * transport (connections, whether it listens). Absent in tests that build the module alone.
 */
export interface ServerRuntime {
  transport?: LineTransportServer;
  /** The package's version (package.json beside the build). */
  version?: string;
}

export const SERVER_RUNTIME = Symbol('SERVER_RUNTIME');
