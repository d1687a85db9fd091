import { buildProgram } from './cli/build-program';
import { endQuietlyWhenOutputCloses } from './cli/closed-output';
import { modeRunners } from './modes/mode-runners';

/** Pulse client: bootstrap only. The modes are in commands/ (options) and modes/ (behaviour). */
endQuietlyWhenOutputCloses();
buildProgram(modeRunners)
  .parseAsync(process.argv)
  .catch((error: Error) => {
    process.stderr.write(`pulse-client: ${error.message}\n`);
    process.exit(1);
  });
