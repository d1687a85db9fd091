import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { join } from 'node:path';
import { ruleKey } from '@app/persistence';
import { parseAlertArgs, Replies } from '@app/protocol';
import type { AlertRule, JournalEntry } from '@app/protocol';
import { ALERT_COMMANDS } from '../alerts/alert-commands';
import type { AlertCommands } from '../alerts/alert-commands';
import { SERVER_CONFIG } from '../config/server-config';
import type { ServerConfig } from '../config/server-config';
import { ApiExceptionFilter, protocolError } from './api-errors';
import { pageSize, single } from './api-params';
import { ApiTokenGuard } from './api-token.guard';
import { journalNewestFirst } from './journal-newest-first';

/** A JSON value as a protocol token: strings as they are, finite numbers printed. */
const token = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' && Number.isFinite(value)
      ? String(value)
      : '';

/**
 * The rules (GET, POST, DELETE /api/alerts) and the journal (GET /api/alerts/journal). A rule
 * posted here is a NEW-ALERT, with its validation and replies; the node's rules log, or the
 * cluster's bucket in cluster mode.
 */
@Controller('api/alerts')
@UseGuards(ApiTokenGuard)
@UseFilters(ApiExceptionFilter)
export class AlertsApiController {
  constructor(
    @Inject(ALERT_COMMANDS) private readonly alerts: AlertCommands,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  @Get()
  async rules(): Promise<{ rules: AlertRule[] }> {
    const rules = await this.alerts.listRules();
    rules.sort((a, b) => (ruleKey(a) < ruleKey(b) ? -1 : 1));
    return {
      rules: rules.map((rule) => ({
        rule: ruleKey(rule),
        ...{ id: rule.id, op: rule.op, secs: rule.secs, limit: rule.limit },
        state: rule.firing ? ('firing' as const) : ('ok' as const),
        registeredAt: rule.registeredAt,
        checkedUpTo: rule.checkedUpTo,
      })),
    };
  }

  @Post()
  @HttpCode(200)
  async add(@Body() body: unknown): Promise<{ rule: string }> {
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    const tokens = [fields.id, fields.op, fields.secs, fields.limit].map(token);
    const rule = parseAlertArgs(tokens);
    if (!rule) throw protocolError(Replies.alertUsage);
    const [reply] = await this.alerts.register([tokens]);
    if (!reply.startsWith('200')) throw protocolError(reply);
    return { rule: ruleKey(rule) };
  }

  @Delete(':rule')
  @HttpCode(204)
  async remove(@Param('rule') rule: string): Promise<void> {
    if (!(await this.alerts.removeRule(rule))) throw protocolError('404 Rule Not Found');
  }

  @Get('journal')
  async journal(
    @Query('metric') metric: unknown,
    @Query('limit') limit: unknown,
  ): Promise<{ entries: JournalEntry[] }> {
    const entries = await journalNewestFirst(
      join(this.config.dataDir, 'alerts.jsonl'),
      pageSize(limit, 100, 1000),
      single(metric, 'metric'),
    );
    return { entries };
  }
}
