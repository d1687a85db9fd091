import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { SERVER_CONFIG } from '../config/server-config';
import type { ServerConfig } from '../config/server-config';
import { protocolError } from './api-errors';

/**
 * PULSE_HTTP_TOKEN: when set, an /api request needs `Authorization: Bearer <token>`, compared
 * in constant time; otherwise 401 (and the token is never logged or echoed).
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(SERVER_CONFIG) config: ServerConfig) {
    const token = config.http?.token;
    this.expected = token && this.guards(config) ? Buffer.from(`Bearer ${token}`) : undefined;
  }

  /** Whether the token guards the routes this guard is on (the /api ones: always). */
  protected guards(_config: ServerConfig): boolean {
    return true;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const http = context.switchToHttp();
    const given = Buffer.from(http.getRequest<FastifyRequest>().headers.authorization ?? '');
    if (given.length === this.expected.length && timingSafeEqual(given, this.expected)) return true;
    void http.getResponse<FastifyReply>().header('WWW-Authenticate', 'Bearer realm="pulse"');
    throw protocolError('401 Unauthorized');
  }
}

/** /metrics, /healthz and /readyz: guarded only with PULSE_HTTP_TOKEN_SCOPE=all. */
@Injectable()
export class ObservabilityTokenGuard extends ApiTokenGuard {
  protected override guards(config: ServerConfig): boolean {
    return config.http?.tokenScope === 'all';
  }
}
