import { Controller, Inject, Logger } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Replies } from '@app/protocol';
import { SERVER_CONFIG } from '../config/server-config';
import type { ServerConfig } from '../config/server-config';
import { AlertMonitor } from './alert-monitor.service';

/** NEW-ALERT: a run of commands in, one reply per command out. */
@Controller()
export class AlertsController {
  private readonly logger = new Logger('AlertsController');

  constructor(
    private readonly monitor: AlertMonitor,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  @MessagePattern('NEW-ALERT')
  register(@Payload() commands: string[][]): Promise<string[]> {
    if (this.config.cluster) {
      // Rules are node-local files today; in a cluster they need the replicated KV bucket and
      // checks by the metric's partition owner (not built yet): refuse rather than check a
      // rule against a node that may hold none of its metric's values.
      this.logger.error('NEW-ALERT is not available in cluster mode yet: answered 500');
      return Promise.resolve(commands.map(() => Replies.internalError));
    }
    return this.monitor.register(commands);
  }
}
