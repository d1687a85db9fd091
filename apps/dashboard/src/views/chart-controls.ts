import { AGGREGATE_OPS } from '../api/api-types';
import { PRESET_NAMES, WINDOW_STEPS } from '../chart/time-range';
import type { RangePreset, ResolvedRange } from '../chart/time-range';
import { formatWindow } from '../format/figures';
import { fromZonedInput, toZonedInput } from '../format/time-zone';
import { REFRESH_CHOICES } from '../state/view-state';
import type { ViewState } from '../state/view-state';
import { h, replaceChildren } from '../ui/dom';
import type { ViewContext } from './view';

const PRESET_LABELS: Record<RangePreset, string> = {
  '15m': '15 min',
  '1h': '1 h',
  '24h': '24 h',
  '7d': '7 d',
  '30d': '30 d',
};

/**
 * The chart's settings: op, window, range (presets, or from/to in the display zone) and
 * auto-refresh. Every change goes to the URL (ctx.navigate); update() shows what the URL holds.
 */
export class ChartControls {
  private readonly op = h(
    'select',
    { 'data-testid': 'op', onchange: () => this.ctx.navigate({ op: this.opValue() }) },
    ...AGGREGATE_OPS.map((op) => h('option', { value: op }, op)),
  );
  private readonly secs = h('select', {
    'data-testid': 'secs',
    onchange: () => {
      const v = this.secs.value;
      this.ctx.navigate({ secs: v === 'auto' ? 'auto' : Number(v) });
    },
  });
  private readonly presets = PRESET_NAMES.map((name) =>
    h(
      'button',
      {
        type: 'button',
        'data-testid': `range-${name}`,
        onclick: () => this.ctx.navigate({ range: { preset: name } }),
      },
      PRESET_LABELS[name],
    ),
  );
  private readonly from = h('input', {
    type: 'datetime-local',
    step: 1,
    'data-testid': 'range-from',
  });
  private readonly to = h('input', { type: 'datetime-local', step: 1, 'data-testid': 'range-to' });
  private readonly zoneName = h('span', { class: 'hint' });
  private readonly rangeMessage = h('p', { class: 'hint', role: 'status' });
  private readonly refresh = h(
    'select',
    {
      'data-testid': 'refresh',
      onchange: () => this.ctx.navigate({ refresh: Number(this.refresh.value) }),
    },
    ...REFRESH_CHOICES.map((s) => h('option', { value: s }, s === 0 ? 'off' : `every ${s} s`)),
  );
  readonly element = h(
    'form',
    { class: 'controls', onsubmit: (e) => this.applyRange(e) },
    h('label', {}, 'Op ', this.op),
    h('label', {}, 'Window ', this.secs),
    h('label', {}, 'Auto-refresh ', this.refresh),
    h(
      'fieldset',
      { class: 'range' },
      h('legend', {}, 'Range'),
      h('div', { class: 'presets', role: 'group', 'aria-label': 'Last' }, ...this.presets),
      h(
        'div',
        { class: 'from-to' },
        h('label', {}, 'From ', this.from),
        h('label', {}, 'To ', this.to),
        h('button', { type: 'submit', 'data-testid': 'range-apply' }, 'Apply'),
        this.zoneName,
      ),
      this.rangeMessage,
    ),
  );

  constructor(private readonly ctx: ViewContext) {}

  /** Shows `state`; `auto`: the window the automatic choice took, `range`: the bounds in use. */
  update(state: ViewState, auto: number | undefined, range: ResolvedRange | undefined): void {
    this.op.value = state.op;
    this.refresh.value = String(state.refresh);
    this.renderSecs(state.secs, auto);
    const preset = 'preset' in state.range ? state.range.preset : undefined;
    this.presets.forEach((b, i) =>
      b.setAttribute('aria-pressed', String(PRESET_NAMES[i] === preset)),
    );
    const zone = this.ctx.zone();
    this.zoneName.textContent = `in ${zone}`;
    if ('preset' in state.range) {
      if (range) this.setInputs(toZonedInput(range.fromMs, zone), toZonedInput(range.toMs, zone));
    } else {
      this.setInputs(
        this.normalized(state.range.from, zone),
        this.normalized(state.range.to, zone),
      );
    }
    this.rangeMessage.textContent = range ? '' : 'From and to must be dates, from before to.';
  }

  private opValue(): ViewState['op'] {
    return this.op.value as ViewState['op'];
  }

  private renderSecs(secs: number | 'auto', auto: number | undefined): void {
    const steps = [...WINDOW_STEPS, 0];
    if (typeof secs === 'number' && !steps.includes(secs)) steps.push(secs);
    const autoLabel = auto === undefined ? 'auto' : `auto (${formatWindow(auto)})`;
    replaceChildren(
      this.secs,
      h('option', { value: 'auto' }, autoLabel),
      ...steps.map((s) => h('option', { value: s }, formatWindow(s))),
    );
    this.secs.value = String(secs);
  }

  private setInputs(from: string, to: string): void {
    if (document.activeElement !== this.from) this.from.value = from;
    if (document.activeElement !== this.to) this.to.value = to;
  }

  /** A typed time as a datetime-local input shows it (the URL may hold `2026-11-22`). */
  private normalized(text: string, zone: string): string {
    const ms = fromZonedInput(text, zone);
    return ms === undefined ? '' : toZonedInput(ms, zone);
  }

  private applyRange(event: Event): void {
    event.preventDefault();
    if (this.from.value === '') {
      this.rangeMessage.textContent = 'Give a from time (to may stay empty: now).';
      return;
    }
    this.ctx.navigate({ range: { from: this.from.value, to: this.to.value } });
  }
}
