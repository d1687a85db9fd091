import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MetricsService } from '@app/metrics';

/**
 * LOG and QUERY. Each call receives a run of consecutive commands of one verb from one
 * connection (their argument tokens) and returns one reply line per command.
 */
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @MessagePattern('LOG')
  log(@Payload() commands: string[][]): Promise<string[]> {
    return this.metrics.log(commands);
  }

  @MessagePattern('QUERY')
  query(@Payload() commands: string[][]): Promise<string[]> {
    return this.metrics.query(commands);
  }
}
