/**
 * The chart's colours, read from the page's CSS variables (styles.css sets them for light and
 * dark), since uPlot draws on a canvas that CSS does not reach.
 */
export interface ChartTheme {
  text: string;
  grid: string;
  limit: string;
  series: string[];
}

export const SERIES_COLOURS = 8;

export function readTheme(element: Element = document.documentElement): ChartTheme {
  const style = getComputedStyle(element);
  const v = (name: string) => style.getPropertyValue(name).trim();
  return {
    text: v('--fg-muted'),
    grid: v('--grid'),
    limit: v('--limit'),
    series: Array.from({ length: SERIES_COLOURS }, (_, i) => v(`--series-${i + 1}`)),
  };
}

/** Calls `onChange` whenever the system switches between light and dark. */
export function onSchemeChange(onChange: () => void): () => void {
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}
