import { ApiError } from '../api/api-error';
import type { AlertRule } from '../api/api-types';
import { presetForWindow } from '../chart/time-range';
import { formatWindow } from '../format/figures';
import { formatStamp } from '../format/time-zone';
import { formatValue } from '../format/value-format';
import type { ViewState } from '../state/view-state';
import { cell, h, replaceChildren } from '../ui/dom';
import { ErrorBanner } from '../ui/error-banner';
import { Poller } from '../ui/poller';
import { JournalSection } from './journal-section';
import { RuleForm } from './rule-form';
import type { View, ViewContext } from './view';

/** How often the rules and the journal are read again while the view is shown. */
const REFRESH_SECONDS = 10;

/**
 * The alert rules with their state and last check (GET /api/alerts), each charted with its op,
 * window and limit line on a click, deletable; a form to add one; the journal.
 */
export class AlertsView implements View {
  private readonly rows = h('tbody');
  private readonly empty = h('p', { class: 'hint' }, 'No rules yet.');
  private readonly errors = new ErrorBanner();
  private readonly journal: JournalSection;
  readonly element: HTMLElement;
  private readonly poller = new Poller(() => this.refresh());
  private journalMetric: string | undefined;
  /** The zone the rows were printed in (a change prints them again). */
  private zone: string | undefined;

  constructor(private readonly ctx: ViewContext) {
    this.journal = new JournalSection(ctx);
    const form = new RuleForm(ctx, () => this.refresh());
    this.element = h(
      'section',
      { class: 'view alerts-view', 'aria-labelledby': 'alerts-title' },
      h('h1', { id: 'alerts-title' }, 'Alerts'),
      this.errors.element,
      h(
        'table',
        { class: 'cards rules' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['State', 'Metric', 'Rule', 'Last check', 'Registered', ''].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        this.rows,
      ),
      this.empty,
      form.element,
      this.journal.element,
    );
    this.poller.every(REFRESH_SECONDS);
  }

  update(state: ViewState): void {
    const zone = this.ctx.zone();
    if (zone !== this.zone) {
      this.zone = zone;
      void this.loadRules();
      if (state.journal === this.journalMetric) void this.journal.load();
    }
    if (state.journal !== this.journalMetric) {
      this.journalMetric = state.journal;
      void this.journal.show(state.journal);
    }
  }

  destroy(): void {
    this.poller.stop();
    this.journal.destroy();
  }

  private async refresh(): Promise<void> {
    await Promise.all([this.loadRules(), this.journal.load()]);
  }

  private async loadRules(): Promise<void> {
    this.element.dataset.state = 'loading';
    try {
      const { rules } = await this.ctx.api.get<{ rules: AlertRule[] }>('alerts');
      this.errors.clear();
      this.empty.hidden = rules.length > 0;
      replaceChildren(this.rows, ...rules.map((r) => this.row(r)));
      this.element.dataset.state = 'ready';
    } catch (error) {
      this.errors.show(ApiError.messageOf(error));
      this.element.dataset.state = 'error';
    }
  }

  private row(rule: AlertRule): HTMLTableRowElement {
    const zone = this.ctx.zone();
    const chart = this.ctx.hrefFor({
      view: 'chart',
      metrics: [rule.id],
      op: rule.op,
      secs: rule.secs,
      limit: rule.limit,
      range: { preset: presetForWindow(rule.secs) },
    });
    const remove = h(
      'button',
      { type: 'button', 'data-testid': 'rule-delete', 'aria-label': `Delete rule ${rule.rule}` },
      'Delete',
    );
    remove.addEventListener('click', () => void this.remove(rule));
    const row = h(
      'tr',
      { 'data-testid': 'rule-row', 'data-rule': rule.rule, 'data-state': rule.state },
      cell('State', h('span', { class: `badge ${rule.state}` }, rule.state)),
      cell('Metric', h('a', { class: 'id', href: chart, 'data-testid': 'rule-chart' }, rule.id)),
      cell('Rule', `${rule.op} of ${formatWindow(rule.secs)} > ${formatValue(rule.limit)}`),
      cell('Last check', formatStamp(rule.checkedUpTo, zone)),
      cell('Registered', formatStamp(rule.registeredAt, zone)),
      cell('', remove),
    );
    // The whole row charts the rule for a pointer; the metric's link does it for the keyboard.
    row.addEventListener('click', (e) => {
      if (!(e.target as Element).closest('a, button')) location.hash = chart;
    });
    return row;
  }

  private async remove(rule: AlertRule): Promise<void> {
    if (!window.confirm(`Delete the rule ${rule.rule}?`)) return;
    try {
      await this.ctx.api.delete(`alerts/${encodeURIComponent(rule.rule)}`);
      await this.loadRules();
    } catch (error) {
      this.errors.show(ApiError.messageOf(error));
    }
  }
}
