import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { LinePatternExtras } from '../transport/line-route';
import { ALERT_COMMANDS } from './alert-commands';
import type { AlertCommands } from './alert-commands';

/** NEW-ALERT: a run of commands in, one reply per command out. */
@Controller()
export class AlertsController {
  constructor(@Inject(ALERT_COMMANDS) private readonly alerts: AlertCommands) {}

  /**
   * Batched: the runs of every connection in one event-loop turn come as one call, so that many
   * clients each sending one NEW-ALERT share one commit of the rules log. A reply depends only on
   * its own command, on its metric existing and on storing, never on the other commands.
   * Not write-only: it reads whether the metric exists, so it waits for the connection's LOGs.
   */
  @MessagePattern('NEW-ALERT', { batched: true } satisfies LinePatternExtras)
  register(@Payload() commands: string[][]): Promise<string[]> {
    return this.alerts.register(commands);
  }
}
