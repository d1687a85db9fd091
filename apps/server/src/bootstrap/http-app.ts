import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import { existsSync, readFileSync } from 'node:fs';
import { protocolError } from '../api/api-errors';
import type { HttpConfig } from '../config/server-config';

/** Request bodies of the API (a rule is a few dozen bytes): anything larger is refused (413). */
export const HTTP_BODY_LIMIT = 16 * 1024;

/**
 * The page may load only its own files and talk only to this server; it may not be framed by
 * another site. uPlot sizes its elements with inline styles.
 */
const PAGE_POLICY =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * What the HTTP listener adds to Nest's routes: the /api rate limit (PULSE_HTTP_RATE_LIMIT per
 * second per client address, 429 past it) and the dashboard's static files at `/` (built by
 * Vite into `dashboardDir`; immutable hashed assets, the page itself revalidated). Registered
 * before Nest's init, so that the hooks cover every route.
 */
export async function configureHttpApp(
  app: NestFastifyApplication,
  http: HttpConfig,
  dashboardDir: string,
): Promise<void> {
  await app.register(fastifyRateLimit, {
    max: http.rateLimit,
    timeWindow: 1000,
    allowList: (request) => !request.url.startsWith('/api/'),
    // Thrown by the plugin and answered by Nest's exception handler: an HttpException keeps
    // the API's {error} body (a plain object would be logged and answered 500).
    errorResponseBuilder: (_request, context) =>
      protocolError(
        `429 Too Many Requests -- at most ${context.max} API requests per second (PULSE_HTTP_RATE_LIMIT)`,
      ) as unknown as object,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', async (_request, reply) => {
    void reply.header('X-Content-Type-Options', 'nosniff');
  });
  // Fastify's parser refuses a larger body too, but with its own body: the API's is {error}.
  fastify.addHook('onRequest', async (request, reply) => {
    if (Number(request.headers['content-length'] ?? 0) <= HTTP_BODY_LIMIT) return;
    await reply.status(413).send({
      error: `413 Payload Too Large -- API request bodies are at most ${HTTP_BODY_LIMIT} bytes`,
    });
  });
  if (!existsSync(`${dashboardDir}/index.html`)) {
    Logger.warn(`no dashboard at ${dashboardDir} (npm run build:dashboard)`, 'HttpListener');
    return;
  }
  await app.register(fastifyStatic, {
    root: dashboardDir,
    prefix: '/',
    wildcard: false, // the files are fixed at build time: one route each, no catch-all
    setHeaders: (response, path) => {
      const hashed = path.includes('/assets/');
      void response.header(
        'Cache-Control',
        hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      if (path.endsWith('.html')) {
        void response.header('Content-Security-Policy', PAGE_POLICY);
        void response.header('X-Frame-Options', 'DENY');
      }
    },
  });
}

/** The version in the package.json three levels above the build (dist/apps/server). */
export function packageVersion(packageJson: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}
