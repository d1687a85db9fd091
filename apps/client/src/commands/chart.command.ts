import { Command, Option } from 'commander';
import { ModeRunners } from '../cli/client-settings';
import { parsePositiveInt, parseTimeZone } from '../config/option-parsers';
import { serverAddress } from './server-options';

export const DEFAULT_CHART_HEIGHT = 12;

/** Columns for a chart: the terminal's width, or 80 when stdout is not a terminal. */
export function terminalWidth(): number {
  return process.stdout.columns || 80;
}

interface ChartOptions {
  height: number;
  width?: number;
  zone: string;
}

/** `chart <id> <op> <secs> [from] [to]`: a QUERY drawn in the terminal. */
export function chartCommand(run: ModeRunners['chart']): Command {
  return new Command('chart')
    .description('run a QUERY and draw the result as a line chart, oldest window on the left')
    .argument('<id>', 'metric id')
    .argument('<op>', 'AVG, MAX, MIN or COUNT')
    .argument('<secs>', 'window length in seconds')
    .argument('[from]', 'first instant (ISO 8601), inclusive')
    .argument('[to]', 'last instant (ISO 8601), inclusive')
    .addOption(
      new Option('--zone <zone>', "the server's time zone (PULSE_TZ), for the time axis")
        .env('PULSE_SERVER_TZ')
        .default('UTC')
        .argParser(parseTimeZone),
    )
    .addOption(
      new Option('--height <rows>', 'rows of the chart')
        .default(DEFAULT_CHART_HEIGHT)
        .argParser(parsePositiveInt),
    )
    .addOption(
      new Option(
        '--width <columns>',
        "columns of the chart (default: the terminal's, or 80)",
      ).argParser(parsePositiveInt),
    )
    .action(
      (
        id: string,
        op: string,
        secs: string,
        from: string | undefined,
        to: string | undefined,
        options: ChartOptions,
        command: Command,
      ) =>
        run({
          server: serverAddress(command),
          query: { id, op, secs, from, to },
          layout: { height: options.height, width: options.width ?? terminalWidth() },
          zone: options.zone,
        }),
    );
}
