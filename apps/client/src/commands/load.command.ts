import { Command, Option, OptionValueSource } from 'commander';
import { hostname } from 'node:os';
import { LoadSettings, ModeRunners, SourceKind } from '../cli/client-settings';
import { DEFAULT_METRIC_SUFFIXES, prefixedIds, sanitizeClientName } from '../config/client-name';
import {
  parseIdList,
  parseNonNegative,
  parseNonNegativeInt,
  parseNumber,
  parsePositive,
  parsePositiveInt,
} from '../config/option-parsers';
import { DEFAULT_BACKOFF } from '../load/backoff-policy';
import { serverAddress } from './server-options';

interface LoadOptions {
  name: string;
  ids?: string[];
  source: SourceKind;
  min: number;
  max: number;
  step?: number;
  interval: number;
  rate?: number;
  count: number;
  duration: number;
  maxInFlight: number;
  busyPause: number;
  drainTimeout: number;
  summaryEvery: number;
  backoffBase: number;
  backoffMax: number;
}

/** A flag with a value, read also from `env` (and so from the config file). */
function setting<T>(flags: string, description: string, env: string, parse?: (text: string) => T) {
  const option = new Option(flags, description).env(env);
  return parse ? option.argParser(parse) : option;
}

/** How much a value's origin weighs: a flag beats the environment, which beats the file. */
const WEIGHT: Record<string, number> = { cli: 3, env: 2, config: 1 };
const weight = (source: OptionValueSource) => (source === undefined ? 0 : (WEIGHT[source] ?? 0));

/**
 * `--rate` and `--interval` say the same thing; the one from the stronger place wins (a flag
 * over an environment variable), and both from the same place is an error.
 */
function intervalMs(options: LoadOptions, command: Command): number {
  if (options.rate === undefined) return options.interval;
  const rate = weight(command.getOptionValueSource('rate'));
  const interval = weight(command.getOptionValueSource('interval'));
  if (rate === interval) command.error('error: give --rate or --interval, not both');
  return rate > interval ? 1000 / options.rate : options.interval;
}

function loadSettings(options: LoadOptions, command: Command): LoadSettings {
  const { min, max } = options;
  if (!(min < max)) command.error(`error: --min (${min}) must be below --max (${max})`);
  return {
    server: serverAddress(command),
    source: options.source,
    name: sanitizeClientName(options.name),
    ids: options.ids ?? prefixedIds(options.name, DEFAULT_METRIC_SUFFIXES),
    walk: { min, max, step: options.step ?? (max - min) / 20 },
    loop: {
      intervalMs: intervalMs(options, command),
      count: options.count || undefined,
      durationMs: options.duration ? options.duration * 1000 : undefined,
      maxInFlight: options.maxInFlight,
      busyPauseMs: options.busyPause,
      drainTimeoutMs: options.drainTimeout,
      summaryEveryMs: options.summaryEvery * 1000,
      backoff: { ...DEFAULT_BACKOFF, baseMs: options.backoffBase, maxMs: options.backoffMax },
    },
  };
}

/** `load`: the loop the container runs. */
export function loadCommand(run: ModeRunners['load']): Command {
  return new Command('load')
    .description('send metrics in a loop over one persistent connection (the default mode)')
    .addOption(
      setting(
        '--name <name>',
        'client name, prefix of the default ids',
        'PULSE_CLIENT_NAME',
      ).default(hostname()),
    )
    .addOption(
      setting(
        '--ids <list>',
        'comma-separated metric ids',
        'PULSE_CLIENT_IDS',
        parseIdList,
      ).default(undefined, '<name>.cpu,<name>.mem,<name>.latency'),
    )
    .addOption(
      new Option('--source <source>', "random walks, or this host's load, free memory and CPU")
        .choices(['random', 'host'])
        .env('PULSE_CLIENT_SOURCE')
        .default('random'),
    )
    .addOption(
      setting('--min <n>', 'lowest random value', 'PULSE_CLIENT_MIN', parseNumber).default(0),
    )
    .addOption(
      setting('--max <n>', 'highest random value', 'PULSE_CLIENT_MAX', parseNumber).default(100),
    )
    .addOption(
      setting(
        '--step <n>',
        'largest change per value',
        'PULSE_CLIENT_STEP',
        parseNonNegative,
      ).default(undefined, '(max - min) / 20'),
    )
    .addOption(
      setting(
        '--interval <ms>',
        'period between LOGs',
        'PULSE_CLIENT_INTERVAL_MS',
        parseNonNegative,
      ).default(1000),
    )
    .addOption(
      setting(
        '--rate <n>',
        'LOGs per second (instead of --interval)',
        'PULSE_CLIENT_RATE',
        parsePositive,
      ),
    )
    .addOption(
      setting(
        '--count <n>',
        'stop after n values (0: no limit)',
        'PULSE_CLIENT_COUNT',
        parseNonNegativeInt,
      ).default(0),
    )
    .addOption(
      setting(
        '--duration <secs>',
        'stop after this long (0: no limit)',
        'PULSE_CLIENT_DURATION_SECONDS',
        parseNonNegative,
      ).default(0),
    )
    .addOption(
      setting(
        '--max-in-flight <n>',
        'most LOGs awaiting a reply',
        'PULSE_CLIENT_MAX_IN_FLIGHT',
        parsePositiveInt,
      ).default(100),
    )
    .addOption(
      setting(
        '--busy-pause <ms>',
        'pause after a 503 before resending',
        'PULSE_CLIENT_BUSY_PAUSE_MS',
        parseNonNegative,
      ).default(1000),
    )
    .addOption(
      setting(
        '--drain-timeout <ms>',
        'on stop, longest wait for replies in flight',
        'PULSE_CLIENT_DRAIN_TIMEOUT_MS',
        parseNonNegative,
      ).default(5000),
    )
    .addOption(
      setting(
        '--summary-every <secs>',
        'period of the summary line (0: final only)',
        'PULSE_CLIENT_SUMMARY_SECONDS',
        parseNonNegative,
      ).default(5),
    )
    .addOption(
      setting(
        '--backoff-base <ms>',
        'first reconnect delay ceiling',
        'PULSE_CLIENT_BACKOFF_BASE_MS',
        parsePositive,
      ).default(DEFAULT_BACKOFF.baseMs),
    )
    .addOption(
      setting(
        '--backoff-max <ms>',
        'largest reconnect delay ceiling',
        'PULSE_CLIENT_BACKOFF_MAX_MS',
        parsePositive,
      ).default(DEFAULT_BACKOFF.maxMs),
    )
    .action((options: LoadOptions, command: Command) => run(loadSettings(options, command)));
}
