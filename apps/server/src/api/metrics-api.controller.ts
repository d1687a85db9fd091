import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Optional,
  Param,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { FileManager } from '@app/persistence';
import { isValidMetricId, Replies } from '@app/protocol';
import type { ApiAggregateOp, MetricPage, QueryResult } from '@app/protocol';
import { ClusterService } from '../cluster/cluster.service';
import { METRICS_COMMANDS } from '../metrics/metrics-commands';
import type { MetricsCommands } from '../metrics/metrics-commands';
import { ApiExceptionFilter, badRequest, protocolError } from './api-errors';
import { decodeCursor, encodeCursor, pageSize, single, timeBound } from './api-params';
import { ApiTokenGuard } from './api-token.guard';

const MAX_SEARCH = 256;

/**
 * GET /api/metrics, DELETE /api/metrics/{id}, GET /api/query (docs/api/openapi.yaml): the
 * dashboard's view of the data, with QUERY's validation and reply texts.
 */
@Controller('api')
@UseGuards(ApiTokenGuard)
@UseFilters(ApiExceptionFilter)
export class MetricsApiController {
  constructor(
    private readonly files: FileManager,
    @Inject(METRICS_COMMANDS) private readonly metrics: MetricsCommands,
    @Optional() private readonly cluster?: ClusterService,
  ) {}

  @Get('metrics')
  async list(
    @Query('search') search: unknown,
    @Query('limit') limit: unknown,
    @Query('cursor') cursor: unknown,
  ): Promise<MetricPage> {
    const text = single(search, 'search') ?? '';
    if (text.length > MAX_SEARCH) throw badRequest(`search is at most ${MAX_SEARCH} characters`);
    const size = pageSize(limit, 100, 1000);
    const after = decodeCursor(cursor);
    let page: Awaited<ReturnType<FileManager['metricPage']>>;
    if (this.cluster) {
      const clusterPage = await this.cluster.listMetrics(text, size, after);
      // A page without some partitions' metrics would look complete: busy instead, try again.
      if (clusterPage.unlisted.length > 0) throw protocolError(Replies.busy);
      page = clusterPage;
    } else page = await this.files.metricPage(text, size, after);
    const nextCursor = page.lastId === null ? null : encodeCursor(page.lastId);
    return { metrics: page.metrics, total: page.total, nextCursor };
  }

  @Delete('metrics/:id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    if (!isValidMetricId(id)) throw protocolError(Replies.metricNotFound);
    if (this.cluster) {
      const reply = await this.cluster.deleteMetric(id);
      if (!reply.startsWith('204')) throw protocolError(reply);
      return;
    }
    if (!(await this.files.deleteMetric(id))) throw protocolError(Replies.metricNotFound);
  }

  @Get('query')
  async query(@Query() params: Record<string, unknown>): Promise<QueryResult> {
    const id = single(params.id, 'id');
    const op = single(params.op, 'op');
    const secs = single(params.secs, 'secs');
    const from = timeBound(params.from, 'from');
    const to = timeBound(params.to, 'to');
    // QUERY's arguments are positional: a `to` needs a `from`.
    if (id === undefined || op === undefined || secs === undefined || (to && !from))
      throw protocolError(Replies.queryUsage);
    const tokens = [id, op, secs, ...(from ? [from] : []), ...(to ? [to] : [])];
    const result = await this.metrics.queryWindows(tokens);
    if (!result.ok) throw protocolError(result.reply);
    const { times, values } = result;
    const answered = op as ApiAggregateOp; // QUERY accepted it
    return {
      id,
      op: answered,
      secs: Number(secs),
      from: result.from,
      to: result.to,
      times,
      values,
    };
  }
}
