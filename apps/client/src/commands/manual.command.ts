import { Command, Option } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ModeRunners } from '../cli/client-settings';
import { parseTimeZone } from '../config/option-parsers';
import { DEFAULT_CHART_HEIGHT, terminalWidth } from './chart.command';
import { serverAddress } from './server-options';

interface ManualOptions {
  zone: string;
  historyFile: string;
}

/** `manual`: the interactive prompt. */
export function manualCommand(run: ModeRunners['manual']): Command {
  return new Command('manual')
    .description('interactive prompt: each line is sent as a command; `chart ...` draws a QUERY')
    .addOption(
      new Option('--zone <zone>', "the server's time zone (PULSE_TZ), to show the time in")
        .env('PULSE_SERVER_TZ')
        .default('UTC')
        .argParser(parseTimeZone),
    )
    .addOption(
      new Option('--history-file <file>', "the prompt's saved history ('' for none)")
        .env('PULSE_CLIENT_HISTORY_FILE')
        .default(join(homedir(), '.pulse_client_history')),
    )
    .action((options: ManualOptions, command: Command) =>
      run({
        server: serverAddress(command),
        zone: options.zone,
        historyFile: options.historyFile,
        chart: { height: DEFAULT_CHART_HEIGHT, width: terminalWidth() },
      }),
    );
}
