import { ApiError } from '../api/api-error';
import { AGGREGATE_OPS } from '../api/api-types';
import type { NewAlert } from '../api/api-types';
import { h } from '../ui/dom';
import { ErrorBanner } from '../ui/error-banner';
import type { ViewContext } from './view';

/**
 * Adds a rule (POST /api/alerts, as NEW-ALERT). The server validates: what it refuses is shown
 * with its reply text (a usage line, `404 Metric Not Found`).
 */
export class RuleForm {
  private readonly id = h('input', {
    type: 'text',
    name: 'id',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    'data-testid': 'rule-metric',
  });
  private readonly op = h(
    'select',
    { name: 'op', 'data-testid': 'rule-op' },
    ...AGGREGATE_OPS.map((op) => h('option', { value: op }, op)),
  );
  private readonly secs = h('input', {
    type: 'number',
    name: 'secs',
    min: 0,
    step: 'any',
    required: true,
    value: 60,
    'data-testid': 'rule-secs',
  });
  private readonly limit = h('input', {
    type: 'text',
    name: 'limit',
    inputmode: 'decimal',
    required: true,
    autocomplete: 'off',
    'data-testid': 'rule-limit',
  });
  private readonly errors = new ErrorBanner();
  private readonly done = h('p', { class: 'hint', role: 'status' });
  readonly element = h(
    'form',
    { class: 'rule-form', 'data-testid': 'rule-form', onsubmit: (e) => void this.submit(e) },
    h('h2', {}, 'Add a rule'),
    h(
      'div',
      { class: 'fields' },
      h('label', {}, 'Metric ', this.id),
      h('label', {}, 'Op ', this.op),
      h('label', {}, 'Window (s) ', this.secs),
      h('label', {}, 'Limit ', this.limit),
      h('button', { type: 'submit', 'data-testid': 'rule-submit' }, 'Add rule'),
    ),
    this.errors.element,
    this.done,
  );

  constructor(
    private readonly ctx: ViewContext,
    private readonly added: () => Promise<void>,
  ) {}

  private async submit(event: Event): Promise<void> {
    event.preventDefault();
    this.done.textContent = '';
    const rule: NewAlert = {
      id: this.id.value.trim(),
      op: this.op.value as NewAlert['op'],
      secs: Number(this.secs.value),
      limit: Number(this.limit.value.trim()),
    };
    if (this.limit.value.trim() === '' || !Number.isFinite(rule.limit)) {
      this.errors.show('The limit must be a number (e.g. 0.9, -2, 1e3).');
      return;
    }
    try {
      const reply = await this.ctx.api.post<{ rule?: string }>('alerts', rule);
      this.errors.clear();
      this.done.textContent = `Rule registered: ${reply?.rule ?? rule.id}`;
      await this.added();
    } catch (error) {
      this.errors.show(ApiError.messageOf(error));
    }
  }
}
