import { autoSecs, presetForWindow, RANGE_PRESETS, resolveRange } from './time-range';

describe('autoSecs', () => {
  it('keeps every preset within 1000 windows, and above 300 where the steps allow', () => {
    expect(autoSecs(RANGE_PRESETS['15m'])).toBe(1); // 900 windows
    expect(autoSecs(RANGE_PRESETS['1h'])).toBe(5); // 720
    expect(autoSecs(RANGE_PRESETS['24h'])).toBe(120); // 720
    expect(autoSecs(RANGE_PRESETS['7d'])).toBe(900); // 672
    expect(autoSecs(RANGE_PRESETS['30d'])).toBe(3600); // 720
  });

  it('takes 1 s for short or empty ranges, and goes past the last step for very long ones', () => {
    expect(autoSecs(0)).toBe(1);
    expect(autoSecs(1000 * 1000)).toBe(1);
    expect(autoSecs(1000 * 1001)).toBe(2);
    expect(autoSecs(5 * 365 * 86_400_000)).toBe(604800); // 261 weeks
    expect(autoSecs(50 * 365 * 86_400_000)).toBe(1576800);
  });
});

describe('presetForWindow', () => {
  it('picks the longest preset with at most 1000 of the windows', () => {
    expect(presetForWindow(1)).toBe('15m');
    expect(presetForWindow(5)).toBe('1h');
    expect(presetForWindow(60)).toBe('1h');
    expect(presetForWindow(300)).toBe('24h');
    expect(presetForWindow(3600)).toBe('30d');
    expect(presetForWindow(0)).toBe('1h');
  });
});

describe('resolveRange', () => {
  const now = Date.parse('2026-11-22T08:00:00Z');

  it('ends a preset now and sends its start in ms', () => {
    expect(resolveRange({ preset: '1h' }, now, 'Europe/Madrid', false)).toEqual({
      fromMs: now - 3_600_000,
      toMs: now,
      from: String(now - 3_600_000),
      to: undefined,
    });
  });

  it("sends typed times as typed in the server's zone, with Z in UTC", () => {
    const range = { from: '2026-11-22T07:00', to: '2026-11-22T08:00' };
    expect(resolveRange(range, now, 'Europe/Madrid', false)).toEqual({
      fromMs: Date.parse('2026-11-22T06:00:00Z'),
      toMs: Date.parse('2026-11-22T07:00:00Z'),
      from: '2026-11-22T07:00',
      to: '2026-11-22T08:00',
    });
    expect(resolveRange(range, now, 'Europe/Madrid', true)).toMatchObject({
      fromMs: Date.parse('2026-11-22T07:00:00Z'),
      from: '2026-11-22T07:00Z',
      to: '2026-11-22T08:00Z',
    });
  });

  it('reads an empty `to` as now and leaves it out of the query', () => {
    expect(resolveRange({ from: '2026-11-22T07:00', to: '' }, now, 'UTC', true)).toMatchObject({
      toMs: now,
      to: undefined,
    });
  });

  it('refuses bad or reversed bounds', () => {
    expect(resolveRange({ from: 'soon', to: '' }, now, 'UTC', true)).toBeUndefined();
    const reversed = { from: '2026-11-22T08:00', to: '2026-11-22T07:00' };
    expect(resolveRange(reversed, now, 'UTC', true)).toBeUndefined();
  });
});
