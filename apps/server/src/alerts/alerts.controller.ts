import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { AlertMonitor } from './alert-monitor.service';

/** NEW-ALERT: a run of commands in, one reply per command out. */
@Controller()
export class AlertsController {
  constructor(private readonly monitor: AlertMonitor) {}

  @MessagePattern('NEW-ALERT')
  register(@Payload() commands: string[][]): Promise<string[]> {
    return this.monitor.register(commands);
  }
}
