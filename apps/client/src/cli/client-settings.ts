import { ChartLayout } from '../chart/chart-renderer';
import { ChartQuery } from '../chart/chart-query';
import { ServerAddress } from '../connection/server-address';
import { LoadLoopOptions } from '../load/load-loop';
import { WalkRange } from '../sources/random-walk';

/**
 * The typed settings of each mode, resolved once from flags, environment and config file by the
 * commands; nothing past this point reads process.env or option objects.
 */
export type SourceKind = 'random' | 'host';

export interface LoadSettings {
  server: ServerAddress;
  source: SourceKind;
  /** Metric ids of the random source (the host source derives its own from `name`). */
  ids: string[];
  /** The client's name, sanitized: prefix of the default and host ids. */
  name: string;
  walk: WalkRange;
  loop: Omit<LoadLoopOptions, 'target'>;
}

export interface ManualSettings {
  server: ServerAddress;
  /** The server's time zone, to show "now" the way QUERY reads dates without a zone. */
  zone: string;
  /** Where the prompt's history is kept ('' for nowhere). */
  historyFile: string;
  chart: ChartLayout;
}

export interface SendSettings {
  server: ServerAddress;
  command: string;
}

export interface ChartSettings {
  server: ServerAddress;
  query: ChartQuery;
  layout: ChartLayout;
  /** The server's time zone: how `from`/`to` are read and the time axis is shown. */
  zone: string;
}

/** What each mode runs once its settings are resolved; specs replace them to test parsing. */
export interface ModeRunners {
  load(settings: LoadSettings): Promise<void>;
  manual(settings: ManualSettings): Promise<void>;
  send(settings: SendSettings): Promise<void>;
  chart(settings: ChartSettings): Promise<void>;
}
