import { LoadSettings } from '../cli/client-settings';
import { onStopSignals } from '../cli/stop-signals';
import { connectTo, describeServer } from '../connection/server-address';
import { systemClock } from '../load/clock';
import { LoadLoop, LoadReporter } from '../load/load-loop';
import { HostMetricSource } from '../sources/host-source';
import { MetricSource } from '../sources/metric-source';
import { RandomMetricSource } from '../sources/random-source';

function sourceFor(settings: LoadSettings): { source: MetricSource; ids: string[] } {
  if (settings.source === 'host') {
    const source = new HostMetricSource(settings.name);
    return { source, ids: source.ids };
  }
  return {
    source: new RandomMetricSource(settings.ids, settings.walk, Math.random),
    ids: settings.ids,
  };
}

/** Summaries on stdout, connection events on stderr (so `| grep acked` sees only summaries). */
const reporter: LoadReporter = {
  summary: (line) => process.stdout.write(`${line}\n`),
  event: (message) => process.stderr.write(`${message}\n`),
};

/**
 * `load`: the LoadLoop on real sockets and the system clock, stopped by SIGTERM/SIGINT. Exits
 * 0 once it has drained and printed its final summary, whether stopped or bounded.
 */
export async function runLoad(settings: LoadSettings): Promise<void> {
  const target = describeServer(settings.server);
  const { source, ids } = sourceFor(settings);
  const { intervalMs, count, durationMs } = settings.loop;
  const bound = [count && `${count} values`, durationMs && `${durationMs / 1000} s`]
    .filter(Boolean)
    .join(' or ');
  reporter.event(
    `load: ${ids.join(', ')} to ${target}, one LOG every ${intervalMs} ms` +
      (bound ? `, stopping after ${bound}` : ', until SIGTERM/SIGINT'),
  );
  const loop = new LoadLoop(
    { ...settings.loop, target },
    {
      connect: () => connectTo(settings.server),
      source,
      clock: systemClock,
      random: Math.random,
      reporter,
    },
  );
  const removeHandlers = onStopSignals((signal) => {
    reporter.event(`${signal}: stopping, waiting for the replies in flight`);
    loop.stop();
  });
  try {
    await loop.run();
  } finally {
    removeHandlers();
  }
  process.exitCode = 0;
}
