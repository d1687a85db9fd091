import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { LinePatternExtras } from '../transport/line-route';
import { METRICS_COMMANDS } from './metrics-commands';
import type { MetricsCommands } from './metrics-commands';

/**
 * LOG and QUERY. Each call receives consecutive commands of one verb (their argument tokens) and
 * returns one reply line per command: for QUERY, a run from one connection; for LOG, the runs of
 * every connection in one event-loop turn (the transport batches them, as declared below).
 */
@Controller()
export class MetricsController {
  constructor(@Inject(METRICS_COMMANDS) private readonly metrics: MetricsCommands) {}

  /** A LOG's reply depends only on its own arguments and on storing: batched, and write-only. */
  @MessagePattern('LOG', { batched: true, writeOnly: true } satisfies LinePatternExtras)
  log(@Payload() commands: string[][]): Promise<string[]> {
    return this.metrics.log(commands);
  }

  @MessagePattern('QUERY')
  query(@Payload() commands: string[][]): Promise<string[]> {
    return this.metrics.query(commands);
  }
}
