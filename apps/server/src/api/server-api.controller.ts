import { Controller, Get, Inject, OnModuleDestroy, UseFilters, UseGuards } from '@nestjs/common';
import { FileManager } from '@app/persistence';
import type { ServerSummary } from '@app/protocol';
import { SERVER_CONFIG } from '../config/server-config';
import type { ServerConfig } from '../config/server-config';
import { SERVER_RUNTIME } from '../observability/server-runtime';
import type { ServerRuntime } from '../observability/server-runtime';
import { ApiExceptionFilter } from './api-errors';
import { ApiTokenGuard } from './api-token.guard';
import { IngestRate } from './ingest-rate';

/** GET /api/server: the dashboard's Server view, from figures the server keeps anyway. */
@Controller('api')
@UseGuards(ApiTokenGuard)
@UseFilters(ApiExceptionFilter)
export class ServerApiController implements OnModuleDestroy {
  private readonly ingest: IngestRate;

  constructor(
    @Inject(SERVER_RUNTIME) private readonly runtime: ServerRuntime,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    private readonly files: FileManager,
  ) {
    this.ingest = new IngestRate(() => runtime.transport?.stats.valuesAcknowledged ?? 0);
  }

  @Get('server')
  summary(): ServerSummary {
    const storage = this.files.stats();
    const transport = this.runtime.transport;
    return {
      version: this.runtime.version ?? 'unknown',
      startedAt: Date.now() - process.uptime() * 1000,
      uptimeSeconds: process.uptime(),
      timeZone: this.config.timeZone,
      alertPeriodSeconds: this.config.alertPeriodSeconds,
      connections: transport?.connectionCount ?? 0,
      valuesAcknowledged: transport?.stats.valuesAcknowledged ?? 0,
      ingestPerSecond: Math.round(this.ingest.perSecond() * 10) / 10,
      metrics: storage.metrics,
      storageBytes: storage.blockBytes,
      blocks: storage.blocks,
      node: this.config.cluster?.nodeId ?? null,
    };
  }

  onModuleDestroy(): void {
    this.ingest.stop();
  }
}
