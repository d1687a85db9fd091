import { LineClient } from './line-client';
import { PulseServer, removeDataDirs, withServerOutput, type StartOptions } from './spawn-server';

/**
 * The servers a suite started: killed (with every client socket) after each test, data
 * directories removed after the suite, and their output added to a failing test's message.
 */
export class ServerPool {
  servers: PulseServer[] = [];

  /** Tracks a server started some other way (PulseServer.spawn). */
  track(server: PulseServer): PulseServer {
    this.servers.push(server);
    return server;
  }

  async start(options: StartOptions): Promise<PulseServer> {
    return this.track(await PulseServer.start(options));
  }

  /** Wraps a test so that a failure shows the output of its servers (the last `last` ones). */
  logged<Args extends unknown[]>(fn: (...args: Args) => Promise<void>, last?: number) {
    return withServerOutput(() => (last ? this.servers.slice(-last) : this.servers), fn);
  }
}

/** A ServerPool whose clean-up hooks are registered in the calling describe block. */
export function useServerPool(): ServerPool {
  const pool = new ServerPool();
  afterEach(async () => {
    LineClient.destroyAll();
    await PulseServer.killAll();
    pool.servers = [];
  });
  afterAll(async () => {
    LineClient.destroyAll();
    await PulseServer.killAll();
    await removeDataDirs();
  });
  return pool;
}
