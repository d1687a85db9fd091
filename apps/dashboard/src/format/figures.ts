/** The Server view's figures in words people read: sizes, durations, rates, counts. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `512 B`, `1.5 KiB`, `12.3 MiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** `45 s`, `3 min 20 s`, `5 h 2 min`, `2 d 4 h`: the two largest units. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const parts: [number, string][] = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return '0 s';
  return parts
    .slice(first, first + 2)
    .filter(([n], i) => i === 0 || n > 0)
    .map(([n, unit]) => `${n} ${unit}`)
    .join(' ');
}

/** A count with thousands separators: `100,000`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Values per second: `0`, `0.5`, `12.3`, `1,234`. */
export function formatRate(perSecond: number): string {
  const digits = perSecond >= 100 ? 0 : 1;
  return Number(perSecond.toFixed(digits)).toLocaleString('en-US');
}

/** A window length: `every value` (0), `30 s`, `5 min`, `1 h`, `7 d`. */
export function formatWindow(secs: number): string {
  if (secs === 0) return 'every value';
  const units: [number, string][] = [
    [86400, 'd'],
    [3600, 'h'],
    [60, 'min'],
  ];
  for (const [size, unit] of units) {
    if (secs >= size && secs % size === 0) return `${secs / size} ${unit}`;
  }
  return `${secs} s`;
}
