import { Logger } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertChecker } from './alert-checker';
import { ManualClock, T0, readJournal, startMonitor } from './testing/monitor-env';

/** More rules than the checker evaluates at once, so that its lanes take turns. */
const RULES = 600;
const ids = Array.from({ length: RULES }, (_, i) => `m${i}`);

describe('AlertChecker', () => {
  let dir: string;
  let warnings: string[];
  let clock: ManualClock;
  let env: Awaited<ReturnType<typeof startMonitor>>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-checker-'));
    warnings = [];
    Logger.overrideLogger({
      log: () => undefined,
      error: () => undefined,
      warn: (m: string) => warnings.push(m),
    });
    clock = new ManualClock(T0);
    env = await startMonitor(dir, clock);
    // Every metric gets a value, a rule, then a value over its limit for every third one. (The
    // first value is before the rule's checkpoint: a block chunk holding both is read raw.)
    for (const id of ids) await env.log(id, 1, T0 - 1);
    for (const [i, id] of ids.entries()) await env.log(id, i % 3 === 0 ? 9 : 1, T0 + 1);
    await env.store.registerAll(
      ids.map((id) => ({ id, op: 'MAX', secs: 60, limit: 5 })),
      T0,
    );
  });
  afterEach(async () => {
    await env.close();
    await rm(dir, { recursive: true, force: true });
  });

  const checker = (sliceMs?: number) => new AlertChecker(env.metrics, env.store, clock, sliceMs);

  it('checks every due rule and journals the firings in the order of the rules', async () => {
    clock.t = T0 + 1000;
    const report = await checker().run(() => false);
    const firing = ids.filter((_, i) => i % 3 === 0);
    expect(report).toMatchObject({ checked: RULES, fired: firing, abandoned: false });
    expect((await readJournal(dir)).map((line) => line.id)).toEqual(firing);
    expect(env.store.all().every((rule) => rule.checkedUpTo === T0 + 999)).toBe(true);
  });

  it('reads values that are in blocks (read on the event loop) as well as in memory', async () => {
    await env.close(); // flushes the values to a block
    env = await startMonitor(dir, clock);
    for (const id of ids.slice(0, 3)) await env.log(id, 7, T0 + 2); // and a few in memory
    clock.t = T0 + 1000;
    const report = await checker().run(() => false);
    const firing = ids.filter((_, i) => i % 3 === 0 || i < 3);
    expect(report).toMatchObject({ checked: RULES, fired: firing });
  });

  it.each([
    [0, true],
    [Infinity, false],
  ])('with slices of %s ms, lets other work run while it checks: %s', async (sliceMs, ran) => {
    clock.t = T0 + 1000;
    let otherWorkRan = false;
    let ranDuringCheck = false;
    setImmediate(() => (otherWorkRan = true));
    // `stopping` is asked before each rule: it sees whether the callback ran meanwhile.
    const report = await checker(sliceMs).run(() => {
      ranDuringCheck ||= otherWorkRan;
      return false;
    });
    expect(report.checked).toBe(RULES);
    expect(ranDuringCheck).toBe(ran);
  });

  it('stopped by shutdown, starts no more rules and commits the ones it checked', async () => {
    clock.t = T0 + 1000;
    let asked = 0;
    const report = await checker(0).run(() => ++asked > 100);
    expect(report.abandoned).toBe(true);
    expect(report.checked).toBe(100);
    const moved = env.store.all().filter((rule) => rule.checkedUpTo === T0 + 999);
    expect(moved).toHaveLength(100);
    expect(warnings.filter((line) => line.includes('abandoned'))).toEqual([
      'alert check abandoned for shutdown after 100 rules',
    ]);
    // The next check covers the others.
    clock.t = T0 + 2000;
    expect((await checker().run(() => false)).checked).toBe(RULES);
  });
});
