import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ALERT_COMMANDS } from './alert-commands';
import type { AlertCommands } from './alert-commands';

/** NEW-ALERT: a run of commands in, one reply per command out. */
@Controller()
export class AlertsController {
  constructor(@Inject(ALERT_COMMANDS) private readonly alerts: AlertCommands) {}

  @MessagePattern('NEW-ALERT')
  register(@Payload() commands: string[][]): Promise<string[]> {
    return this.alerts.register(commands);
  }
}
