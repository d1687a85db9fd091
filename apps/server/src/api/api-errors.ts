import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Replies } from '@app/protocol';

/** An API error: the protocol reply's code as the HTTP status, its text as `error`. */
export function protocolError(reply: string): HttpException {
  const text = reply.trimEnd();
  const status = Number(text.slice(0, 3));
  return new HttpException({ error: text }, status >= 400 && status < 600 ? status : 500);
}

/** 400 with the protocol's prefix, for what only the API takes (a page size, a cursor). */
export const badRequest = (detail: string): HttpException =>
  protocolError(`400 Bad Request -- ${detail}`);

/**
 * Every /api answer that is not a 2xx is `{"error": "<protocol reply text>"}`: HttpExceptions
 * carry it already, anything else is a 500 (logged) rather than Nest's own body.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpApi');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const error =
        typeof body === 'object' && body !== null && 'error' in body
          ? body
          : { error: `${exception.getStatus()} ${exception.message}` };
      void reply.status(exception.getStatus()).send(error);
      return;
    }
    this.logger.error(`API request failed: ${(exception as Error).stack ?? String(exception)}`);
    void reply.status(500).send({ error: Replies.internalError.trimEnd() });
  }
}
