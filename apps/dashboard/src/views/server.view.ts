import { ApiError } from '../api/api-error';
import type { ServerSummary } from '../api/api-types';
import { formatBytes, formatCount, formatDuration, formatRate } from '../format/figures';
import { formatStamp } from '../format/time-zone';
import { h } from '../ui/dom';
import { ErrorBanner } from '../ui/error-banner';
import { Poller } from '../ui/poller';
import type { View, ViewContext } from './view';

const REFRESH_SECONDS = 5;

type Figure = [testid: string, label: string, text: (s: ServerSummary) => string | undefined];

const num = (n: number | undefined, f: (n: number) => string) =>
  n === undefined ? undefined : f(n);

/** The server's own figures (GET /api/server), read again every few seconds. */
export class ServerView implements View {
  private readonly figures: Figure[] = [
    ['server-ingest', 'Ingest', (s) => num(s.ingestPerSecond, (n) => `${formatRate(n)} values/s`)],
    ['server-connections', 'Connections', (s) => num(s.connections, formatCount)],
    ['server-metrics', 'Metrics', (s) => num(s.metrics, formatCount)],
    ['server-storage', 'Storage', (s) => num(s.storageBytes, formatBytes)],
    ['server-blocks', 'Block files', (s) => num(s.blocks, formatCount)],
    ['server-uptime', 'Uptime', (s) => num(s.uptimeSeconds, formatDuration)],
    ['server-started', 'Started', (s) => num(s.startedAt, (n) => formatStamp(n, this.ctx.zone()))],
    [
      'server-acknowledged',
      'Values stored since start',
      (s) => num(s.valuesAcknowledged, formatCount),
    ],
    ['server-zone', 'Time zone', (s) => s.timeZone],
    ['server-alert-period', 'Alert period', (s) => num(s.alertPeriodSeconds, formatDuration)],
    ['server-version', 'Version', (s) => s.version],
    [
      'server-node',
      'Cluster node',
      (s) => (s.node === undefined ? undefined : (s.node ?? 'single node')),
    ],
  ];
  private readonly list = h('dl', { class: 'figures', 'data-testid': 'server-figures' });
  private readonly errors = new ErrorBanner();
  readonly element = h(
    'section',
    { class: 'view server-view', 'aria-labelledby': 'server-title' },
    h('h1', { id: 'server-title' }, 'Server'),
    this.errors.element,
    this.list,
    h('p', { class: 'hint' }, `Read again every ${REFRESH_SECONDS} s.`),
  );
  private readonly poller = new Poller(() => this.load());

  constructor(private readonly ctx: ViewContext) {
    void this.load();
    this.poller.every(REFRESH_SECONDS);
  }

  update(): void {}

  destroy(): void {
    this.poller.stop();
  }

  private async load(): Promise<void> {
    try {
      const summary = await this.ctx.refreshServer();
      this.errors.clear();
      this.render(summary);
      this.element.dataset.state = 'ready';
    } catch (error) {
      this.errors.show(ApiError.messageOf(error));
      this.element.dataset.state = 'error';
    }
  }

  private render(summary: ServerSummary): void {
    this.list.replaceChildren(
      ...this.figures.flatMap(([testid, label, text]) => {
        const value = text(summary);
        if (value === undefined) return [];
        return [h('div', {}, h('dt', {}, label), h('dd', { 'data-testid': testid }, value))];
      }),
    );
  }
}
