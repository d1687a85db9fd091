import type { ApiClient } from '../api/api-client';
import type { ServerSummary } from '../api/api-types';
import type { ViewState } from '../state/view-state';

/** One of the four views, mounted in the page's main area while it is shown. */
export interface View {
  readonly element: HTMLElement;
  /** The URL changed (or the view was just mounted): show `state`. */
  update(state: ViewState): void;
  /** The view is leaving: stop timers and requests. */
  destroy(): void;
}

/** What the app gives every view. */
export interface ViewContext {
  readonly api: ApiClient;
  /** Goes to the view with `patch` applied (replace: no new history entry, e.g. typing). */
  navigate(patch: Partial<ViewState>, replace?: boolean): void;
  /** The link to the current view with `patch` applied. */
  hrefFor(patch: Partial<ViewState>): string;
  /** The zone times are shown in: the server's, or UTC when chosen (or unknown). */
  zone(): string;
  /** The server's zone (what QUERY reads times without a zone in). */
  serverZone(): string;
  /** GET /api/server, fetched again. */
  refreshServer(): Promise<ServerSummary>;
}
