import { ApiError } from '../api/api-error';
import type { MetricPage, MetricSummary } from '../api/api-types';
import { formatCount } from '../format/figures';
import { formatStamp } from '../format/time-zone';
import { formatValue, NO_VALUE } from '../format/value-format';
import type { ViewState } from '../state/view-state';
import { cell, h, replaceChildren } from '../ui/dom';
import { debounce } from '../ui/debounce';
import { ErrorBanner } from '../ui/error-banner';
import type { View, ViewContext } from './view';

const PAGE_SIZE = 100;

/**
 * Every metric, a page at a time, searched on the server (GET /api/metrics): fast with 100,000
 * of them because the page never holds more than one page. Metrics ticked here are charted
 * together; a metric can be deleted.
 */
export class MetricsView implements View {
  private readonly search = h('input', {
    type: 'search',
    'data-testid': 'metric-search',
    placeholder: 'part of an id',
    autocomplete: 'off',
    spellcheck: 'false',
    oninput: () => this.typed(),
  });
  private readonly total = h('p', { role: 'status', 'data-testid': 'metric-total' });
  private readonly errors = new ErrorBanner();
  private readonly rows = h('tbody');
  private readonly chartSelected = h('button', {
    type: 'button',
    'data-testid': 'chart-selected',
    onclick: () => this.ctx.navigate({ view: 'chart', metrics: [...this.selected] }),
  });
  private readonly prev = h(
    'button',
    { type: 'button', 'data-testid': 'page-prev', onclick: () => this.turn(-1) },
    'Previous',
  );
  private readonly next = h(
    'button',
    { type: 'button', 'data-testid': 'page-next', onclick: () => this.turn(1) },
    'Next',
  );
  private readonly position = h('span', { 'data-testid': 'page-position' });
  readonly element = h(
    'section',
    { class: 'view metrics-view', 'aria-labelledby': 'metrics-title' },
    h('h1', { id: 'metrics-title' }, 'Metrics'),
    h('div', { class: 'toolbar' }, h('label', {}, 'Search ', this.search), this.chartSelected),
    this.total,
    this.errors.element,
    h(
      'table',
      { class: 'cards' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Chart', 'Metric', 'Values', 'First', 'Last', 'Last value', ''].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      this.rows,
    ),
    h('nav', { class: 'pager', 'aria-label': 'Pages' }, this.prev, this.position, this.next),
  );

  private readonly selected = new Set<string>();
  /** Cursors of the pages up to the one shown (the first page's is null). */
  private cursors: (string | null)[] = [null];
  private page: MetricPage | undefined;
  private loadedSearch: string | undefined;
  private renderedZone = '';
  private request: AbortController | undefined;
  private readonly typedLater = debounce(
    () => this.ctx.navigate({ search: this.search.value }, true),
    250,
  );

  constructor(private readonly ctx: ViewContext) {
    this.renderSelection();
  }

  update(state: ViewState): void {
    if (document.activeElement !== this.search) this.search.value = state.search;
    if (state.search !== this.loadedSearch) {
      this.loadedSearch = state.search;
      this.cursors = [null];
      void this.load();
    } else if (this.page && this.ctx.zone() !== this.renderedZone) {
      this.render(this.page);
    }
  }

  destroy(): void {
    this.typedLater.cancel();
    this.request?.abort();
  }

  private typed(): void {
    this.typedLater();
  }

  private turn(step: number): void {
    if (step > 0 && this.page?.nextCursor) this.cursors.push(this.page.nextCursor);
    else if (step < 0 && this.cursors.length > 1) this.cursors.pop();
    else return;
    void this.load();
  }

  private async load(): Promise<void> {
    this.request?.abort();
    const request = (this.request = new AbortController());
    this.element.dataset.state = 'loading';
    try {
      const cursor = this.cursors[this.cursors.length - 1] ?? undefined;
      const params = { search: this.loadedSearch || undefined, limit: PAGE_SIZE, cursor };
      this.page = await this.ctx.api.get<MetricPage>('metrics', params, request.signal);
      this.errors.clear();
      this.render(this.page);
      this.element.dataset.state = 'ready';
    } catch (error) {
      if (ApiError.isAbort(error)) return;
      this.errors.show(ApiError.messageOf(error));
      this.element.dataset.state = 'error';
    }
  }

  private render(page: MetricPage): void {
    const first = (this.cursors.length - 1) * PAGE_SIZE;
    const matching = this.loadedSearch ? ` matching “${this.loadedSearch}”` : '';
    this.total.textContent = `${formatCount(page.total)} metrics${matching}`;
    this.position.textContent =
      page.metrics.length === 0
        ? ''
        : `${formatCount(first + 1)}–${formatCount(first + page.metrics.length)} of ${formatCount(page.total)}`;
    this.prev.disabled = this.cursors.length <= 1;
    this.next.disabled = !page.nextCursor;
    this.renderedZone = this.ctx.zone();
    replaceChildren(this.rows, ...page.metrics.map((m) => this.row(m)));
  }

  private row(m: MetricSummary): HTMLTableRowElement {
    const zone = this.ctx.zone();
    const stamp = (ms: number | null) => (ms === null ? NO_VALUE : formatStamp(ms, zone));
    const box = h('input', {
      type: 'checkbox',
      'data-testid': 'metric-select',
      'aria-label': `Chart ${m.id}`,
      checked: this.selected.has(m.id),
      onchange: () => this.toggle(m.id, box.checked),
    });
    const remove = h(
      'button',
      { type: 'button', 'data-testid': 'metric-delete', 'aria-label': `Delete metric ${m.id}` },
      'Delete',
    );
    remove.addEventListener('click', () => void this.remove(m.id));
    const chart = this.ctx.hrefFor({ view: 'chart', metrics: [m.id], limit: null });
    return h(
      'tr',
      { 'data-testid': 'metric-row', 'data-id': m.id },
      cell('Chart', box),
      cell('Metric', h('a', { class: 'id', href: chart }, m.id)),
      cell('Values', formatCount(m.count)),
      cell('First', stamp(m.firstStamp)),
      cell('Last', stamp(m.lastStamp)),
      cell('Last value', h('span', { class: 'num' }, formatValue(m.lastValue))),
      cell('', remove),
    );
  }

  private toggle(id: string, on: boolean): void {
    if (on) this.selected.add(id);
    else this.selected.delete(id);
    this.renderSelection();
  }

  private renderSelection(): void {
    this.chartSelected.textContent = `Chart selected (${this.selected.size})`;
    this.chartSelected.disabled = this.selected.size === 0;
  }

  private async remove(id: string): Promise<void> {
    const question = `Delete metric ${id} and all its values? Its alert rules stay.`;
    if (!window.confirm(question)) return;
    try {
      await this.ctx.api.delete(`metrics/${encodeURIComponent(id)}`);
      this.toggle(id, false);
      await this.load();
    } catch (error) {
      this.errors.show(ApiError.messageOf(error));
    }
  }
}
