import { h } from './dom';

/**
 * Where a view shows what went wrong: the API's error text exactly as it came (the protocol's
 * reply, e.g. `404 Metric Not Found`), announced to screen readers.
 */
export class ErrorBanner {
  readonly element = h('div', { class: 'error', role: 'alert', 'data-testid': 'error' });

  constructor() {
    this.element.hidden = true;
  }

  show(...messages: string[]): void {
    this.element.replaceChildren(...messages.map((m) => h('p', {}, m)));
    this.element.hidden = messages.length === 0;
  }

  clear(): void {
    this.show();
  }
}
