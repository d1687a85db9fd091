import { LineClient } from './line-client';
import type { ClientTls } from './line-client';

/** Where the server is, and how long to wait for it. */
export interface ServerAddress {
  host: string;
  port: number;
  /** Connect timeout, and the longest wait for a reply while commands are in flight. */
  timeoutMs: number;
  /** TLS (--tls, --ca, --cert, --key); plain TCP without. */
  tls?: ClientTls;
}

/** `host:port` for messages. */
export function describeServer({ host, port }: ServerAddress): string {
  return `${host}:${port}`;
}

/** Opens a LineClient with the address's timeouts. */
export function connectTo(server: ServerAddress): Promise<LineClient> {
  return LineClient.connect({
    host: server.host,
    port: server.port,
    connectTimeoutMs: server.timeoutMs,
    replyTimeoutMs: server.timeoutMs,
    tls: server.tls,
  });
}
