import { Command } from 'commander';
import { ModeRunners } from '../cli/client-settings';
import { serverAddress } from './server-options';

/** `send <command...>`: one command for scripts. */
export function sendCommand(run: ModeRunners['send']): Command {
  return (
    new Command('send')
      .description('send one command, print the reply; exit 0 on a 2xx reply, 1 otherwise')
      .argument('<command...>', 'the command, e.g. LOG cpu 0.5 (quote it or not)')
      // The command's words are not options: `LOG cpu -2.5E-4` must reach the server as typed.
      .allowUnknownOption()
      .action((words: string[], _options: object, command: Command) =>
        run({ server: serverAddress(command), command: words.join(' ') }),
      )
  );
}
