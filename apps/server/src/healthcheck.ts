/**
 * `pulse-healthcheck` (dist/apps/server/healthcheck.js): the container health check. Exit 0 when
 * this container's server says it is ready, 1 otherwise. It reads the server's own configuration
 * (PULSE_* and PULSE_CONFIG), so it asks the way the server answers: GET /readyz over HTTP or
 * HTTPS, with the bearer token when PULSE_HTTP_TOKEN_SCOPE=all guards the health endpoints, or,
 * with PULSE_HTTP_PORT=off, a TCP connection to the protocol port. Guessing instead (HTTP, then
 * HTTPS) cost a cluster node its health once: an answer of 503 was retried over HTTPS.
 */
import { request as httpGet } from 'node:http';
import { request as httpsGet } from 'node:https';
import { connect } from 'node:net';
import { loadConfig } from './config/load-config';
import type { HttpConfig, ServerConfig } from './config/server-config';

/** Under the compose check's own timeout (3 s). */
const TIMEOUT_MS = 2000;

/** The server listens on every address, or on one: ask it where it can be reached from here. */
const reachable = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);

function readyOverHttp(http: HttpConfig): Promise<string | undefined> {
  const get = http.tls ? httpsGet : httpGet;
  const guarded = http.token !== undefined && http.tokenScope === 'all';
  return new Promise((resolve) => {
    const req = get(
      {
        host: reachable(http.host),
        port: http.port,
        path: '/readyz',
        timeout: TIMEOUT_MS,
        // The server's own certificate, asked over loopback: what it proves is not in question.
        rejectUnauthorized: false,
        headers: guarded ? { authorization: `Bearer ${http.token}` } : {},
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200 ? undefined : `/readyz answered ${res.statusCode}`);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', (error) => resolve(`/readyz: ${error.message}`));
    req.end();
  });
}

function listeningOverTcp(config: ServerConfig): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: reachable(config.host), port: config.port });
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('connect timed out')));
    socket.on('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on('error', (error) => resolve(`port ${config.port}: ${error.message}`));
  });
}

async function main(): Promise<void> {
  let config: ServerConfig;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`unhealthy: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const problem = config.http ? await readyOverHttp(config.http) : await listeningOverTcp(config);
  if (problem) process.stderr.write(`unhealthy: ${problem}\n`);
  process.exit(problem ? 1 : 0);
}

void main();
