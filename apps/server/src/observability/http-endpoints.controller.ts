import { Controller, Get, Header, Inject, Optional, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { FileManager } from '@app/persistence';
import { MetricsService } from '@app/metrics';
import type { Registry } from 'prom-client';
import { AlertMonitor } from '../alerts/alert-monitor.service';
import { ObservabilityTokenGuard } from '../api/api-token.guard';
import { ClusterService } from '../cluster/cluster.service';
import { NotificationService } from '../notify/notification.service';
import { CommandStats } from './command-stats';
import { pulseMetrics } from './pulse-metrics';
import { SERVER_RUNTIME } from './server-runtime';
import type { ServerRuntime } from './server-runtime';

/**
 * The HTTP listener's endpoints (PULSE_HTTP_PORT): liveness, readiness and Prometheus metrics.
 * Nothing here reads a request body or a parameter: no client input reaches storage or a host.
 */
@Controller()
@UseGuards(ObservabilityTokenGuard)
export class HttpEndpointsController {
  private readonly registry: Registry;

  constructor(
    @Inject(SERVER_RUNTIME) private readonly runtime: ServerRuntime,
    private readonly files: FileManager,
    private readonly monitor: AlertMonitor,
    private readonly notifications: NotificationService,
    private readonly queries: MetricsService,
    @Optional() private readonly cluster?: ClusterService,
  ) {
    const transport = runtime.transport;
    this.registry = pulseMetrics({
      commands: transport?.stats ?? new CommandStats(),
      connections: () => ({
        open: transport?.connectionCount ?? 0,
        inFlight: transport?.inFlight ?? 0,
      }),
      storage: () => files.stats(),
      // In cluster mode the rules and checks are ClusterAlerts' (the local monitor has none).
      alerts: () => cluster?.alertStats ?? { rules: monitor.ruleCount, ...monitor.stats },
      queries: () => queries.querySeconds,
      notifications: () =>
        notifications.deliverers.map((d) => ({
          endpoint: d.endpoint.key,
          pending: d.pending,
          ...d.stats,
        })),
    });
  }

  /** The process is alive (it answers). */
  @Get('healthz')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  healthz(): string {
    return 'ok\n';
  }

  /** Ready to serve the protocol: storage recovered, listener open, cluster joined; else 503. */
  @Get('readyz')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  readyz(@Res({ passthrough: true }) reply: FastifyReply): string {
    const reason = this.notReadyBecause();
    if (reason === undefined) return 'ready\n';
    void reply.code(503);
    return `not ready: ${reason}\n`;
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  private notReadyBecause(): string | undefined {
    if (!this.files.stats().open) return 'storage is not open';
    if (!this.runtime.transport?.isListening) return 'the protocol listener is not open';
    return this.cluster?.notReadyBecause();
  }
}
