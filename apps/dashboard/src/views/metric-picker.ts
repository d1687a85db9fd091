import { ApiError } from '../api/api-error';
import type { MetricPage } from '../api/api-types';
import { isMetricId } from '../state/view-state';
import { h, replaceChildren } from '../ui/dom';
import { debounce } from '../ui/debounce';
import type { ViewContext } from './view';

const SUGGESTIONS = 20;

/**
 * The charted metrics as removable chips, and a box to add one, suggesting ids from the server's
 * search as the user types (a datalist: the browser's own keyboard-friendly list).
 */
export class MetricPicker {
  private readonly chips = h('ul', { class: 'chips', 'aria-label': 'Charted metrics' });
  private readonly options = h('datalist', { id: 'metric-options' });
  private readonly input = h('input', {
    type: 'text',
    list: 'metric-options',
    'data-testid': 'metric-add',
    placeholder: 'metric id',
    autocomplete: 'off',
    spellcheck: 'false',
    oninput: () => this.suggestLater(),
    onkeydown: (e) => {
      if ((e as KeyboardEvent).key === 'Enter') this.add(e);
    },
  });
  private readonly message = h('p', { class: 'hint', role: 'status' });
  readonly element = h(
    'div',
    { class: 'picker' },
    this.chips,
    h(
      'div',
      { class: 'add' },
      h('label', {}, 'Add metric ', this.input),
      this.options,
      h(
        'button',
        { type: 'button', 'data-testid': 'metric-add-button', onclick: (e) => this.add(e) },
        'Add',
      ),
    ),
    this.message,
  );
  private metrics: string[] = [];
  private request: AbortController | undefined;
  private readonly suggestLater = debounce(() => void this.suggest(), 200);

  constructor(private readonly ctx: ViewContext) {}

  update(metrics: string[]): void {
    this.metrics = metrics;
    replaceChildren(
      this.chips,
      ...metrics.map((id, i) =>
        h(
          'li',
          { class: `chip series-${(i % 8) + 1}` },
          h('span', { class: 'id' }, id),
          h(
            'button',
            {
              type: 'button',
              'data-testid': 'metric-remove',
              'aria-label': `Remove ${id}`,
              onclick: () => this.ctx.navigate({ metrics: metrics.filter((m) => m !== id) }),
            },
            '×',
          ),
        ),
      ),
    );
  }

  destroy(): void {
    this.suggestLater.cancel();
    this.request?.abort();
  }

  private add(event: Event): void {
    event.preventDefault();
    const id = this.input.value.trim();
    if (!isMetricId(id)) {
      this.message.textContent = id === '' ? 'Type a metric id.' : `“${id}” is not a metric id.`;
      return;
    }
    this.message.textContent = '';
    this.input.value = '';
    if (!this.metrics.includes(id)) this.ctx.navigate({ metrics: [...this.metrics, id] });
  }

  private async suggest(): Promise<void> {
    this.request?.abort();
    const request = (this.request = new AbortController());
    const search = this.input.value.trim();
    try {
      const page = await this.ctx.api.get<MetricPage>(
        'metrics',
        { search: search || undefined, limit: SUGGESTIONS },
        request.signal,
      );
      replaceChildren(this.options, ...page.metrics.map((m) => h('option', { value: m.id })));
    } catch (error) {
      if (!ApiError.isAbort(error)) this.message.textContent = ApiError.messageOf(error);
    }
  }
}
