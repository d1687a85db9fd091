import { Command } from 'commander';
import { chartCommand } from '../commands/chart.command';
import { loadCommand } from '../commands/load.command';
import { manualCommand } from '../commands/manual.command';
import { sendCommand } from '../commands/send.command';
import { serverOptions } from '../commands/server-options';
import { readConfigFile } from '../config/config-file';
import { applyConfigFile } from './apply-config-file';
import { ModeRunners } from './client-settings';

const HELP_FOOTER = `
Every option with an env name can also be set in a config file (--config, PULSE_CLIENT_CONFIG):
YAML or JSON keyed by those names. Flags win over the environment, which wins over the file.

Examples:
  pulse-client load --count 100 --interval 10
  pulse-client --host server send LOG cpu 0.5
  pulse-client chart cpu AVG 60 2022-04-26T10:00
  pulse-client manual`;

/**
 * The commander program: server options shared by every mode, one command per mode (`load`
 * when none is named, as the container runs it), and the config file applied before any action.
 * `runners` are the modes' implementations, replaced in specs.
 */
export function buildProgram(runners: ModeRunners): Command {
  const program = new Command('pulse-client')
    .description('Client for the Pulse metrics server: load generator, prompt, one-shot commands')
    .showHelpAfterError()
    .addHelpText('after', HELP_FOOTER);
  for (const option of serverOptions()) program.addOption(option);
  program
    .addCommand(loadCommand(runners.load), { isDefault: true })
    .addCommand(manualCommand(runners.manual))
    .addCommand(sendCommand(runners.send))
    .addCommand(chartCommand(runners.chart));
  program.hook('preAction', (_program, action) => {
    const file = program.opts<{ config?: string }>().config;
    if (file) applyConfigFile(file, readConfigFile(file), program, [program, action]);
  });
  return program;
}
