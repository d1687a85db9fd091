import fc from 'fast-check';
import type { Durability } from '@app/persistence';
import { checkAllValues, checkJournal, checkRules } from './invariants';
import { actionCommands } from './pulse-actions';
import { PulseHarness } from './pulse-harness';
import { PulseModel } from './pulse-model';

/**
 * The failure-injection property test (issue 10): random interleavings of LOG runs, QUERY,
 * NEW-ALERT, alert checks, time passing, flush-inducing bursts, clean and crash restarts and
 * injected file-system faults, run against the real providers through Nest, checking that
 * - every value answered 201 is visible exactly once (values and COUNT), and no value answered
 *   500 ever becomes visible (at every step, and after every restart);
 * - exactly the rules answered 200 are active after a restart (none answered 500);
 * - the journal has no orphan `resolved`, and at the end every value over a rule's limit is in a
 *   `firing` line (at least once);
 * - the server never crashed (no unhandled rejection or uncaught exception) nor hung.
 *
 * Model-based with fc.commands rather than a plain array of actions: it shrinks a failing run by
 * dropping and simplifying commands just as well, and also prints each remaining command by name
 * with the replayPath that replays exactly that run; the model is the replies the server gave.
 * CI runs PULSE_PROPERTY_RUNS (default 25) cases; e.g. PULSE_PROPERTY_RUNS=2000 for a long run.
 * To replay a reported failure: PULSE_PROPERTY_SEED=<seed> PULSE_PROPERTY_PATH=<path>
 * PULSE_PROPERTY_REPLAY=<replayPath, printed inside the counterexample>.
 */
const RUNS = Number(process.env.PULSE_PROPERTY_RUNS ?? 25);
const SEED = process.env.PULSE_PROPERTY_SEED;
const PATH = process.env.PULSE_PROPERTY_PATH;
const REPLAY = process.env.PULSE_PROPERTY_REPLAY;
/** Generous: a failing case is shrunk, and each shrinking attempt replays a whole run. */
const TIMEOUT_MS = Math.max(300_000, RUNS * 5_000);

/** After the run: a restart, then a check that covers every value logged, with a sound disk. */
async function finish(model: PulseModel, h: PulseHarness): Promise<void> {
  try {
    await h.restart();
    await checkAllValues(h, model);
    checkRules(h, model);
    h.clock.advance(Math.max(2, model.lastStamp() + 2 - h.clock.now()));
    await h.step(h.monitor.check(), 'final alert check');
    await checkJournal(h, model, true);
    h.assertNoCrash();
  } catch (error) {
    throw new Error(`at the end (restart, final check): ${(error as Error).message}`, {
      cause: error,
    });
  }
}

describe('failure injection (property)', () => {
  it(
    'never loses, duplicates or revives a value or rule, nor crashes, whatever fails',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom<Durability>('os', 'fsync'),
          fc.integer({ min: 4, max: 16 }),
          actionCommands(40, REPLAY),
          async (durability, flushValues, commands) => {
            const h = new PulseHarness(durability, flushValues);
            const model = new PulseModel();
            try {
              await h.open();
              await fc.asyncModelRun(() => ({ model, real: h }), commands);
              await finish(model, h);
            } catch (error) {
              const log = h.log.lines.slice(-12).join('\n  ');
              throw new Error(`${(error as Error).message}\nlast server log lines:\n  ${log}`, {
                cause: error,
              });
            } finally {
              await h.dispose();
            }
          },
        ),
        {
          numRuns: RUNS,
          seed: SEED === undefined ? undefined : Number(SEED),
          path: PATH,
          endOnFailure: false,
        },
      );
    },
    TIMEOUT_MS,
  );
});
