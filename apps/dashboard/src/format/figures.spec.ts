import { formatBytes, formatCount, formatDuration, formatRate, formatWindow } from './figures';

describe('figures', () => {
  it('prints sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200 MiB');
    expect(formatBytes(3.25 * 1024 ** 3)).toBe('3.3 GiB');
  });

  it('prints durations with their two largest units', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(45.9)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(3600)).toBe('1 h');
    expect(formatDuration(5 * 3600 + 125)).toBe('5 h 2 min');
    expect(formatDuration(2 * 86400 + 4 * 3600 + 59)).toBe('2 d 4 h');
  });

  it('prints counts and rates for reading', () => {
    expect(formatCount(100000)).toBe('100,000');
    expect(formatRate(0)).toBe('0');
    expect(formatRate(0.5)).toBe('0.5');
    expect(formatRate(12.34)).toBe('12.3');
    expect(formatRate(1234.4)).toBe('1,234');
  });

  it('names window lengths by their largest whole unit', () => {
    expect(formatWindow(0)).toBe('every value');
    expect(formatWindow(1)).toBe('1 s');
    expect(formatWindow(90)).toBe('90 s');
    expect(formatWindow(300)).toBe('5 min');
    expect(formatWindow(7200)).toBe('2 h');
    expect(formatWindow(604800)).toBe('7 d');
    expect(formatWindow(0.5)).toBe('0.5 s');
  });
});
