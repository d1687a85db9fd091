import { DEFAULT_STATE, formatViewState, parseViewState } from './view-state';
import type { ViewState } from './view-state';

describe('view state in the URL hash', () => {
  it('reads an empty hash as the default view', () => {
    expect(parseViewState('')).toEqual(DEFAULT_STATE);
    expect(parseViewState('#')).toEqual(DEFAULT_STATE);
    expect(formatViewState(DEFAULT_STATE)).toBe('#view=metrics');
  });

  it('round-trips a whole chart view', () => {
    const state: ViewState = {
      view: 'chart',
      metrics: ['vm.cpu', 'host:1_mem-free'],
      op: 'MAX',
      secs: 60,
      range: { from: '2026-11-22T07:00', to: '2026-11-22T08:00:30' },
      utc: true,
      refresh: 30,
      limit: 0.9,
      search: 'vm. cpu',
      journal: 'vm.cpu',
    };
    const hash = formatViewState(state);
    expect(hash).toBe(
      '#view=chart&metrics=vm.cpu,host:1_mem-free&op=MAX&secs=60' +
        '&from=2026-11-22T07:00&to=2026-11-22T08:00:30&tz=utc&refresh=30&limit=0.9' +
        '&q=vm.+cpu&journal=vm.cpu',
    );
    expect(parseViewState(hash)).toEqual(state);
  });

  it('round-trips presets, secs 0 and an exact limit', () => {
    const state: ViewState = {
      ...DEFAULT_STATE,
      view: 'chart',
      metrics: ['a'],
      secs: 0,
      range: { preset: '7d' },
      limit: 0.30000000000000004,
    };
    expect(parseViewState(formatViewState(state))).toEqual(state);
  });

  it('round-trips search texts holding the characters it leaves unescaped', () => {
    const state: ViewState = { ...DEFAULT_STATE, search: 'a,b:c%2C&=#' };
    expect(parseViewState(formatViewState(state))).toEqual(state);
  });

  it('reads a plain, hand-written hash', () => {
    expect(parseViewState('#view=chart&metrics=cpu,mem&op=COUNT&range=24h')).toMatchObject({
      view: 'chart',
      metrics: ['cpu', 'mem'],
      op: 'COUNT',
      range: { preset: '24h' },
    });
  });

  it('drops what is malformed, keeping the rest', () => {
    const state = parseViewState(
      '#view=nope&metrics=ok,,bad id,-x,ok&op=avg&secs=-1&range=2h&refresh=x&limit=NaN',
    );
    expect(state).toEqual({ ...DEFAULT_STATE, metrics: ['ok'] });
  });
});
