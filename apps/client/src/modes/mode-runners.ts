import { ModeRunners } from '../cli/client-settings';
import { runChart } from './chart.mode';
import { runLoad } from './load.mode';
import { runManual } from './manual.mode';
import { runSend } from './send.mode';

/** The real modes, on sockets, stdin and signals. */
export const modeRunners: ModeRunners = {
  load: runLoad,
  manual: runManual,
  send: runSend,
  chart: runChart,
};
