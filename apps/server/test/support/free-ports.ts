import { createServer, type AddressInfo, type Server } from 'node:net';

/**
 * `count` distinct free loopback ports: all are bound at once (port 0) so none repeats, then
 * released for the server that needs them. Another process may take one in between (rarely):
 * NatsCluster.start retries; Prometheus and Alertmanager then fail to start, saying why.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i += 1) servers.push(await listenOnFreePort());
    return servers.map((server) => (server.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  }
}

async function listenOnFreePort(attempts = 5): Promise<Server> {
  for (let attempt = 1; ; attempt += 1) {
    const server = createServer();
    try {
      await new Promise<void>((resolveListen, rejectListen) => {
        server.once('error', rejectListen);
        server.listen(0, '127.0.0.1', resolveListen);
      });
      return server;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= attempts) {
        throw error;
      }
    }
  }
}
