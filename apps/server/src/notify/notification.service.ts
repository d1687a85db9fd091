import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SERVER_CONFIG } from '../config/server-config';
import type { ServerConfig } from '../config/server-config';
import { DeliveryCursors } from './delivery-cursors';
import { NotificationDeliverer } from './notification-deliverer';
import { AlertmanagerEndpoint, WebhookEndpoint } from './notification-endpoints';
import type { NotificationEndpoint } from './notification-endpoints';

/**
 * Alert notifications (PULSE_ALERTMANAGER_URLS, PULSE_ALERT_WEBHOOK_URLS). The outbox is the alert
 * journal itself: alerts.jsonl is durable before a check's checkpoints move, so every line in it
 * is a notification written before it is sent; one deliverer per endpoint follows the file from
 * its own cursor (notify/cursors.json). At least once, in order, across restarts and crashes.
 */
@Injectable()
export class NotificationService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Notifications');
  readonly deliverers: NotificationDeliverer[] = [];

  constructor(@Inject(SERVER_CONFIG) private readonly config: ServerConfig) {}

  async onModuleInit(): Promise<void> {
    const { notify, dataDir, alertPeriodSeconds } = this.config;
    if (!notify || notify.alertmanagers.length + notify.webhooks.length === 0) return;
    const instance = this.config.cluster?.nodeId ?? `${hostname()}:${this.config.port}`;
    // A firing alert stays active in Alertmanager for a few of its re-send periods.
    const activeForMs = 4 * Math.max(notify.resendSeconds, alertPeriodSeconds) * 1000;
    const endpoints: NotificationEndpoint[] = [
      ...notify.alertmanagers.map((url) => new AlertmanagerEndpoint(url, instance, activeForMs)),
      ...notify.webhooks.map((url) => new WebhookEndpoint(url)),
    ];
    await mkdir(join(dataDir, 'notify'), { recursive: true });
    const cursors = new DeliveryCursors(join(dataDir, 'notify', 'cursors.json'));
    await cursors.load();
    for (const endpoint of endpoints) {
      const deliverer = new NotificationDeliverer(
        endpoint,
        join(dataDir, 'alerts.jsonl'),
        cursors,
        notify.outboxLimit,
        notify.resendSeconds * 1000,
      );
      this.deliverers.push(deliverer);
      deliverer.start();
    }
    this.logger.log(`sending alert notifications to ${endpoints.map((e) => e.key).join(', ')}`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.deliverers.length === 0) return;
    await Promise.all(this.deliverers.map((d) => d.stop()));
    const pending = this.deliverers.reduce((sum, d) => sum + d.pending, 0);
    this.logger.log(`stopped alert notifications (${pending} waiting, sent after the restart)`);
  }
}
