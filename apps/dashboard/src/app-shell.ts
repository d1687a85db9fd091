import type { ApiClient } from './api/api-client';
import { ApiError } from './api/api-error';
import type { ServerSummary } from './api/api-types';
import { toZonedInput, fromZonedInput, isKnownZone } from './format/time-zone';
import { formatViewState, parseViewState, VIEW_NAMES } from './state/view-state';
import type { ViewName, ViewState } from './state/view-state';
import { h } from './ui/dom';
import { ErrorBanner } from './ui/error-banner';
import { AlertsView } from './views/alerts.view';
import { ChartView } from './views/chart.view';
import { MetricsView } from './views/metrics.view';
import { ServerView } from './views/server.view';
import type { View, ViewContext } from './views/view';

const TITLES: Record<ViewName, string> = {
  metrics: 'Metrics',
  chart: 'Chart',
  alerts: 'Alerts',
  server: 'Server',
};

/**
 * The page: header (views, time zone), the current view, and the URL hash as the one source of
 * the view's state. Back, forward, reload and shared links all go through `show`.
 */
export class AppShell implements ViewContext {
  private state = parseViewState(location.hash);
  private current: { name: ViewName; view: View } | undefined;
  private server: ServerSummary | undefined;
  private readonly main = h('main', { id: 'main', tabindex: '-1' });
  private readonly errors = new ErrorBanner();
  private readonly links = VIEW_NAMES.map((name) =>
    h('a', { 'data-testid': `nav-${name}`, href: `#view=${name}` }, TITLES[name]),
  );
  private readonly zoneSelect = h('select', {
    'data-testid': 'tz',
    onchange: () => this.setUtc(this.zoneSelect.value === 'utc'),
  });

  constructor(readonly api: ApiClient) {}

  async start(root: HTMLElement): Promise<void> {
    root.append(this.header(), this.errors.element, this.main);
    window.addEventListener('hashchange', () => this.show(parseViewState(location.hash)));
    try {
      await this.refreshServer();
    } catch (error) {
      this.errors.show(ApiError.messageOf(error));
    }
    this.show(this.state);
  }

  navigate(patch: Partial<ViewState>, replace = false): void {
    const next = { ...this.state, ...patch };
    const hash = formatViewState(next);
    if (hash !== location.hash) history[replace ? 'replaceState' : 'pushState'](null, '', hash);
    this.show(next);
  }

  hrefFor(patch: Partial<ViewState>): string {
    return formatViewState({ ...this.state, ...patch });
  }

  zone(): string {
    return this.state.utc ? 'UTC' : this.serverZone();
  }

  serverZone(): string {
    const zone = this.server?.timeZone;
    return zone && isKnownZone(zone) ? zone : 'UTC';
  }

  async refreshServer(): Promise<ServerSummary> {
    this.server = await this.api.get<ServerSummary>('server');
    this.errors.clear();
    this.renderZoneChoice();
    return this.server;
  }

  private header(): HTMLElement {
    this.renderZoneChoice();
    return h(
      'header',
      { class: 'top' },
      h('a', { class: 'skip', href: '#main', onclick: (e) => this.skipToMain(e) }, 'Skip to view'),
      h('span', { class: 'brand' }, 'Pulse'),
      h('nav', { 'aria-label': 'Views' }, ...this.links),
      h('label', { class: 'zone' }, 'Times in ', this.zoneSelect),
    );
  }

  private skipToMain(event: Event): void {
    event.preventDefault();
    this.main.focus();
  }

  private renderZoneChoice(): void {
    const server = this.server?.timeZone ?? 'UTC';
    this.zoneSelect.replaceChildren(
      h('option', { value: 'server' }, `${server} (server)`),
      h('option', { value: 'utc' }, 'UTC'),
    );
    this.zoneSelect.value = this.state.utc ? 'utc' : 'server';
  }

  /** Switches the display zone; typed from/to keep the instants they named. */
  private setUtc(utc: boolean): void {
    const range = this.state.range;
    if ('preset' in range) return this.navigate({ utc });
    const [before, after] = utc ? [this.serverZone(), 'UTC'] : ['UTC', this.serverZone()];
    const convert = (text: string) => {
      const ms = fromZonedInput(text, before);
      return ms === undefined ? text : toZonedInput(ms, after);
    };
    this.navigate({ utc, range: { from: convert(range.from), to: convert(range.to) } });
  }

  private show(state: ViewState): void {
    this.state = state;
    this.zoneSelect.value = state.utc ? 'utc' : 'server';
    if (this.current?.name !== state.view) this.mount(state.view);
    for (const [i, link] of this.links.entries()) {
      const name = VIEW_NAMES[i];
      link.href = this.hrefFor({ view: name });
      if (name === state.view) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.title = `${TITLES[state.view]} · Pulse`;
    this.current?.view.update(state);
  }

  private mount(name: ViewName): void {
    this.current?.view.destroy();
    const view = this.create(name);
    this.current = { name, view };
    this.main.replaceChildren(view.element);
  }

  private create(name: ViewName): View {
    switch (name) {
      case 'metrics':
        return new MetricsView(this);
      case 'chart':
        return new ChartView(this);
      case 'alerts':
        return new AlertsView(this);
      case 'server':
        return new ServerView(this);
    }
  }
}
