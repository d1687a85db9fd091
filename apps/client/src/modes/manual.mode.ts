import { createInterface } from 'node:readline';
import { formatServerDate } from '@app/protocol';
import { CHART_USAGE } from '../chart/chart-query';
import { ManualSettings } from '../cli/client-settings';
import { onStopSignals } from '../cli/stop-signals';
import { connectTo, describeServer } from '../connection/server-address';
import { HISTORY_SIZE, loadHistory, saveHistory } from '../manual/history-file';
import { ManualSession } from '../manual/manual-session';
import { PromptKeeper } from '../manual/prompt-keeper';

const PROMPT = 'pulse> ';

/**
 * `manual`: a readline prompt over a ManualSession. On a terminal it prompts and keeps a
 * history (arrow keys; saved in the history file); with piped input it prints each reply and
 * exits at end of input once every reply has arrived. Ctrl-D, SIGTERM or SIGINT (Ctrl-C) end it
 * the same way. Exit code 1 if a command could not be sent or answered.
 */
export async function runManual(settings: ManualSettings): Promise<void> {
  const interactive = Boolean(process.stdin.isTTY);
  const keeper = new PromptKeeper(process.stdout, process.stderr);
  const session = new ManualSession({
    connect: () => connectTo(settings.server),
    print: (text) => process.stdout.write(text),
    notice: (text) => keeper.notice(text),
    chart: settings.chart,
    zone: settings.zone,
    now: () => Date.now(),
  });
  await session.start();
  const now = formatServerDate(Date.now(), settings.zone);
  process.stderr.write(
    `connected to ${describeServer(settings.server)}; server time now ${now} (${settings.zone})\n` +
      `commands: LOG, QUERY, NEW-ALERT, or ${CHART_USAGE}; Ctrl-D exits\n`,
  );

  const historyFile = interactive ? settings.historyFile : '';
  const rl = createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
    history: historyFile ? loadHistory(historyFile) : [],
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    prompt: PROMPT,
  });
  if (historyFile) rl.on('history', (lines: string[]) => saveHistory(historyFile, lines));
  rl.on('line', (line) => void keeper.handle(session.handle(line)));
  rl.on('SIGINT', () => rl.close()); // Ctrl-C on a terminal (raw mode: no process signal)
  const removeHandlers = onStopSignals(() => rl.close());
  keeper.start(interactive ? rl : undefined);

  await new Promise<void>((resolve) => rl.once('close', resolve));
  keeper.end();
  if (interactive) process.stdout.write('\n');
  await session.finish();
  removeHandlers();
  process.exitCode = session.failed > 0 ? 1 : 0;
}
