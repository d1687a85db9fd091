import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ClusterService } from '../cluster/cluster.service';
import { SERVER_CONFIG } from '../config/server-config';
import type { ServerConfig } from '../config/server-config';
import { DeliveryCursors } from './delivery-cursors';
import { NotificationDeliverer } from './notification-deliverer';
import { AlertmanagerEndpoint, WebhookEndpoint } from './notification-endpoints';
import type { AlertScope, NotificationEndpoint } from './notification-endpoints';

/**
 * Alert notifications (PULSE_ALERTMANAGER_URLS, PULSE_ALERT_WEBHOOK_URLS). The outbox is the alert
 * journal itself: alerts.jsonl is durable before a check's checkpoints move, so every line in it
 * is a notification written before it is sent; one deliverer per endpoint follows the file from
 * its own cursor (notify/cursors.json). At least once, in order, across restarts and crashes.
 */
@Injectable()
export class NotificationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Notifications');
  readonly deliverers: NotificationDeliverer[] = [];

  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Optional() private readonly cluster?: ClusterService,
  ) {}

  /** After every module's init: in cluster mode the NATS connection is open by then. */
  async onApplicationBootstrap(): Promise<void> {
    const { notify, dataDir, alertPeriodSeconds } = this.config;
    if (!notify || notify.alertmanagers.length + notify.webhooks.length === 0) return;
    const cluster = this.cluster;
    const scope: AlertScope = cluster
      ? { instance: cluster.alertInstance, ownership: (id) => cluster.alertOwnership(id) }
      : { instance: `${hostname()}:${this.config.port}`, ownership: () => 0 };
    // A firing alert stays active in Alertmanager for a few of its re-send periods.
    const activeForMs = 4 * Math.max(notify.resendSeconds, alertPeriodSeconds) * 1000;
    const endpoints: NotificationEndpoint[] = [
      ...notify.alertmanagers.map((url) => new AlertmanagerEndpoint(url, scope, activeForMs)),
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
