import { RunScheduler, Schedulable } from './run-scheduler';

const write = (name: string) => ({ name, writeOnly: true });
const read = (name: string) => ({ name, writeOnly: false });
type Named = Schedulable & { name: string };

/** Every run `next` hands out now, by name. */
function drainReady(scheduler: RunScheduler<Named>): string[] {
  const started: string[] = [];
  for (let run = scheduler.next(); run; run = scheduler.next()) started.push(run.name);
  return started;
}

describe('RunScheduler', () => {
  it('lets write-only runs overlap each other', () => {
    const scheduler = new RunScheduler<Named>();
    expect([write('w1'), write('w2'), write('w3')].map((r) => scheduler.admit(r))).toEqual([
      true,
      true,
      true,
    ]);
    expect(scheduler.running).toBe(3);
  });

  it('starts a read only once every run before it finished', () => {
    const scheduler = new RunScheduler<Named>();
    const [w1, w2, q] = [write('w1'), write('w2'), read('q')];
    scheduler.admit(w1);
    scheduler.admit(w2);
    expect(scheduler.admit(q)).toBe(false);
    scheduler.finish(w2);
    expect(drainReady(scheduler)).toEqual([]);
    scheduler.finish(w1);
    expect(drainReady(scheduler)).toEqual(['q']);
    expect(scheduler.running).toBe(1);
  });

  it('holds every run behind a read before it, writes included', () => {
    const scheduler = new RunScheduler<Named>();
    const [q, w1, w2, q2, w3] = [read('q'), write('w1'), write('w2'), read('q2'), write('w3')];
    expect(scheduler.admit(q)).toBe(true);
    expect([w1, w2, q2, w3].map((r) => scheduler.admit(r))).toEqual([false, false, false, false]);
    scheduler.finish(q);
    // The writes after the read start together; the next read waits for them.
    expect(drainReady(scheduler)).toEqual(['w1', 'w2']);
    scheduler.finish(w1);
    expect(drainReady(scheduler)).toEqual([]);
    scheduler.finish(w2);
    expect(drainReady(scheduler)).toEqual(['q2']);
    scheduler.finish(q2);
    expect(drainReady(scheduler)).toEqual(['w3']);
    expect(scheduler.waitingCount).toBe(0);
  });

  it('never lets a write overtake a waiting read, even when nothing is running', () => {
    const scheduler = new RunScheduler<Named>();
    const [w1, q, w2] = [write('w1'), read('q'), write('w2')];
    scheduler.admit(w1);
    scheduler.admit(q);
    // w2 may not start although only writes are running: the read before it waits.
    expect(scheduler.admit(w2)).toBe(false);
    scheduler.finish(w1);
    expect(drainReady(scheduler)).toEqual(['q']);
  });

  it('keeps arrival order over a long queue', () => {
    const scheduler = new RunScheduler<Named>();
    const runs = Array.from({ length: 5000 }, (_, i) => read(`q${i}`));
    runs.forEach((r) => scheduler.admit(r));
    const order: string[] = [];
    for (const run of runs) {
      order.push(...drainReady(scheduler));
      scheduler.finish(run);
    }
    expect(order).toEqual(runs.slice(1).map((r) => r.name));
    expect(scheduler.running + scheduler.waitingCount).toBe(0);
  });
});
