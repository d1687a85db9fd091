import { ApiError } from '../api/api-error';
import { isAggregateOp } from '../api/api-types';
import type { JournalEntry } from '../api/api-types';
import { formatWindow } from '../format/figures';
import { formatStamp } from '../format/time-zone';
import { formatAggregate, formatValue, NO_VALUE } from '../format/value-format';
import { cell, h, replaceChildren } from '../ui/dom';
import { debounce } from '../ui/debounce';
import { ErrorBanner } from '../ui/error-banner';
import type { ViewContext } from './view';

const ENTRIES = 100;

/** The alert journal (GET /api/alerts/journal), newest first, optionally one metric's. */
export class JournalSection {
  private readonly filter = h('input', {
    type: 'search',
    'data-testid': 'journal-filter',
    placeholder: 'metric id',
    autocomplete: 'off',
    spellcheck: 'false',
    oninput: () => this.filteredLater(),
  });
  private readonly rows = h('tbody');
  private readonly empty = h('p', { class: 'hint' }, 'No entries.');
  private readonly errors = new ErrorBanner();
  readonly element = h(
    'section',
    { class: 'journal', 'aria-labelledby': 'journal-title' },
    h('h2', { id: 'journal-title' }, 'Journal'),
    h('label', {}, 'Only metric ', this.filter),
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
          ...['Time', 'State', 'Metric', 'Rule', 'Aggregates', 'Checked'].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      this.rows,
    ),
    this.empty,
  );
  private metric = '';
  private request: AbortController | undefined;
  private readonly filteredLater = debounce(
    () => this.ctx.navigate({ journal: this.filter.value.trim() }, true),
    300,
  );

  constructor(private readonly ctx: ViewContext) {}

  /** Shows the entries of `metric` ('' for every metric). */
  async show(metric: string): Promise<void> {
    if (document.activeElement !== this.filter) this.filter.value = metric;
    this.metric = metric;
    await this.load();
  }

  destroy(): void {
    this.filteredLater.cancel();
    this.request?.abort();
  }

  async load(): Promise<void> {
    this.request?.abort();
    const request = (this.request = new AbortController());
    const params = { metric: this.metric || undefined, limit: ENTRIES };
    try {
      const { entries } = await this.ctx.api.get<{ entries: JournalEntry[] }>(
        'alerts/journal',
        params,
        request.signal,
      );
      this.errors.clear();
      this.empty.hidden = entries.length > 0;
      replaceChildren(this.rows, ...entries.map((e) => this.row(e)));
    } catch (error) {
      if (!ApiError.isAbort(error)) this.errors.show(ApiError.messageOf(error));
    }
  }

  private row(e: JournalEntry): HTMLTableRowElement {
    const zone = this.ctx.zone();
    const time = (iso: string | undefined) => {
      const ms = iso === undefined ? NaN : Date.parse(iso);
      return Number.isNaN(ms) ? (iso ?? NO_VALUE) : formatStamp(ms, zone);
    };
    const op = isAggregateOp(e.op) ? e.op : 'AVG';
    const aggregates = (e.aggregates ?? []).map((a) => formatAggregate(op, a)).join(', ');
    const checked = e.from || e.to ? `${time(e.from)} → ${time(e.to)}` : NO_VALUE;
    return h(
      'tr',
      { 'data-testid': 'journal-row', 'data-state': e.state, 'data-id': e.id },
      cell('Time', time(e.time)),
      cell('State', h('span', { class: `badge ${e.state}` }, e.state)),
      cell('Metric', h('span', { class: 'id' }, e.id)),
      cell('Rule', `${e.op} of ${formatWindow(e.secs)} > ${formatValue(e.limit)}`),
      cell('Aggregates', h('span', { class: 'num' }, aggregates || NO_VALUE)),
      cell('Checked', checked),
    );
  }
}
