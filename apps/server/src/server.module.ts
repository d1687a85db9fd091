import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { MetricsModule, MetricsService } from '@app/metrics';
import { PersistenceModule, RetentionPolicy } from '@app/persistence';
import { SERVER_CONFIG, ServerConfig } from './config/server-config';
import { ALERT_COMMANDS } from './alerts/alert-commands';
import { AlertsApiController } from './api/alerts-api.controller';
import { MetricsApiController } from './api/metrics-api.controller';
import { ServerApiController } from './api/server-api.controller';
import { AlertMonitor } from './alerts/alert-monitor.service';
import { AlertsController } from './alerts/alerts.controller';
import { ClusterService } from './cluster/cluster.service';
import { METRICS_COMMANDS } from './metrics/metrics-commands';
import { MetricsController } from './metrics/metrics.controller';
import { HttpEndpointsController } from './observability/http-endpoints.controller';
import { NotificationService } from './notify/notification.service';
import { SERVER_RUNTIME } from './observability/server-runtime';
import type { ServerRuntime } from './observability/server-runtime';

/** Root module: the validated configuration, storage, the scheduler and the command controllers. */
@Module({})
export class ServerModule {
  static register(config: ServerConfig, runtime: ServerRuntime = {}): DynamicModule {
    return {
      module: ServerModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [() => ({ pulse: config })],
        }),
        PersistenceModule.register({
          dataDir: config.dataDir,
          // In cluster mode the local store is a cache of the JetStream values stream: a LOG is
          // acknowledged once a quorum of NATS servers stored it, and whatever a power loss
          // takes from the local tail is applied again from the stream (the applied sequence is
          // in the same WAL record as the values). An O_DSYNC write per applied batch would
          // only slow the appliers down.
          durability: config.cluster ? 'os' : config.durability,
          flushValues: config.flushValues,
          retention: new RetentionPolicy(config.retentionMs, config.retentionBytes),
          compactionIntervalMs: config.compactionIntervalMs,
          compactionWorkerScript: config.compactionWorkerScript,
        }),
        MetricsModule.register({ timeZone: config.timeZone }),
        ScheduleModule.forRoot(),
      ],
      controllers: [
        MetricsController,
        AlertsController,
        HttpEndpointsController,
        ...(config.http ? [MetricsApiController, AlertsApiController, ServerApiController] : []),
      ],
      providers: [
        AlertMonitor,
        NotificationService,
        // Cluster mode (PULSE_NATS_SERVERS): LOG, QUERY and NEW-ALERT go through the cluster.
        ...(config.cluster ? [ClusterService] : []),
        {
          provide: METRICS_COMMANDS,
          useExisting: config.cluster ? ClusterService : MetricsService,
        },
        { provide: ALERT_COMMANDS, useExisting: config.cluster ? ClusterService : AlertMonitor },
        { provide: SERVER_RUNTIME, useValue: runtime },
        {
          provide: SERVER_CONFIG,
          useFactory: (configService: ConfigService) =>
            configService.getOrThrow<ServerConfig>('pulse'),
          inject: [ConfigService],
        },
      ],
      exports: [SERVER_CONFIG],
    };
  }
}
