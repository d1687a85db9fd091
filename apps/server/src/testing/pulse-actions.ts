import fc from 'fast-check';
import { Replies } from '@app/protocol';
import type { FaultSpec } from '@app/persistence/testing/faulty-fs';
import { checkAllValues, checkJournal, checkRules } from './invariants';
import { PulseHarness } from './pulse-harness';
import { FS_CALL_KINDS } from '@app/persistence/io/storage-fs';
import { LIMIT, METRIC_IDS, MetricId, ModelRule, PulseModel } from './pulse-model';

/** One thing a client, the scheduler, the disk or the operator does to the server. */
export interface Action {
  readonly label: string;
  /** Whether the server was restarted (then the stricter checks run). */
  readonly restarts?: boolean;
  run(model: PulseModel, h: PulseHarness): Promise<void>;
}

export const logRun = (entries: readonly { id: MetricId; high: boolean }[]): Action => ({
  label: `LOG ${entries.map((e) => `${e.id}${e.high ? '+' : ''}`).join(' ')}`,
  async run(model, h) {
    // Values and the stamp are fixed before the call: a concurrent action cannot move them.
    const values = entries.map((e) => model.value(e.high));
    const stamp = h.clock.now();
    const commands = entries.map((e, i) => [e.id, String(values[i])]);
    const replies = await h.step(h.metrics.log(commands), 'LOG');
    replies.forEach((reply, i) => model.logged(entries[i].id, values[i], stamp, reply));
  },
});

export const newAlert = (rule: ModelRule): Action => ({
  label: `NEW-ALERT ${rule.id} ${rule.op} ${rule.secs} ${rule.limit}`,
  async run(model, h) {
    const at = h.clock.now();
    const command = [rule.id, rule.op, String(rule.secs), String(rule.limit)];
    const [reply] = await h.step(h.monitor.register([command]), 'NEW-ALERT');
    model.registered(rule, at, reply);
  },
});

/** An alert check; one that fails (journal or checkpoint write) may be retried by the next. */
export const check: Action = {
  label: 'CHECK',
  async run(_, h) {
    await h.step(
      h.monitor.check().catch(() => undefined),
      'alert check',
    );
  },
};

/**
 * A QUERY over windows of a second (every step then checks all values anyway): it answers, 404
 * only for a metric without values, 500 only while a fault is armed.
 */
export const query = (id: MetricId): Action => ({
  label: `QUERY ${id} MAX 1`,
  async run(model, h) {
    const known = model.has(id);
    const mayFail = h.faultArmed();
    const [reply] = await h.step(h.metrics.query([[id, 'MAX', '1']]), 'QUERY');
    const fine =
      reply.startsWith('200 [') ||
      (reply === Replies.metricNotFound && !known) ||
      (reply === Replies.internalError && mayFail);
    if (!fine) throw new Error(`QUERY ${id} MAX 1 answered "${reply}"`);
  },
});

/** Time passes: stamps move on, and retry timers that became due run. */
export const advance = (ms: number): Action => ({
  label: `ADVANCE ${ms} ms`,
  async run(_, h) {
    h.clock.advance(ms);
    // A retry that started does real I/O: give it a moment so that its effect is seen now.
    if (h.timers.advance(ms) > 0) await new Promise<void>((r) => h.timers.afterRealTime(5, r));
  },
});

export const fault = (spec: FaultSpec): Action => ({
  label:
    `FAULT ${spec.kind}${spec.path ? ` on ${spec.path}` : ''} ` +
    `${spec.short ? 'short' : spec.errno} nth ${spec.nth} times ${spec.times}`,
  run: (_, h) => Promise.resolve(h.inject(spec)),
});

export const restart: Action = { label: 'RESTART', restarts: true, run: (_, h) => h.restart() };
export const crash: Action = { label: 'CRASH', restarts: true, run: (_, h) => h.crash() };

/**
 * Two actions at once (e.g. a NEW-ALERT save while a check saves checkpoints); the second starts
 * `turns` event-loop turns after the first, so that it can meet the first half-way.
 */
export const together = (a: Action, b: Action, turns: number): Action => ({
  label: `TOGETHER(${a.label} | ${turns > 0 ? `${turns} turns later ` : ''}${b.label})`,
  async run(model, h) {
    const first = a.run(model, h);
    first.catch(() => undefined); // its failure is reported below, not as an unhandled rejection
    for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    await Promise.all([first, b.run(model, h)]);
  },
});

/** Runs an action, then checks what must hold at every moment, or after a restart. */
class ActionCommand implements fc.AsyncCommand<PulseModel, PulseHarness> {
  constructor(private readonly action: Action) {}
  check = () => true;
  async run(model: PulseModel, h: PulseHarness): Promise<void> {
    try {
      await this.action.run(model, h);
      await new Promise<void>((resolve) => setImmediate(resolve)); // rejections are reported then
      h.assertNoCrash();
      await checkAllValues(h, model);
      if (this.action.restarts) checkRules(h, model);
      await checkJournal(h, model, false);
    } catch (error) {
      throw new Error(`after ${this.action.label}: ${(error as Error).message}`, { cause: error });
    }
  }
  toString = () => this.action.label;
}

const id = fc.constantFrom(...METRIC_IDS);
const entries = fc.array(fc.record({ id, high: fc.boolean() }), { minLength: 1, maxLength: 4 });
const burst = fc.array(fc.record({ id, high: fc.boolean() }), { minLength: 8, maxLength: 24 });
const rule: fc.Arbitrary<ModelRule> = fc
  .oneof(
    fc.record({ id, op: fc.constantFrom('MAX', 'MIN', 'AVG'), secs: fc.constant(0) }),
    fc.record({ id, op: fc.constant('MAX'), secs: fc.constantFrom(1, 60) }),
  )
  .map((r) => ({ ...r, limit: LIMIT }) as ModelRule);
const faultSpec: fc.Arbitrary<FaultSpec> = fc
  .record({
    // Every kind, the ones storage and alerts depend on most twice as often.
    kind: fc.constantFrom(...FS_CALL_KINDS, 'write', 'fsync', 'open', 'rename', 'unlink'),
    errno: fc.constantFrom('EIO', 'ENOSPC', 'EMFILE'),
    nth: fc.oneof(
      { arbitrary: fc.constant(1), weight: 3 },
      { arbitrary: fc.integer({ min: 2, max: 3 }), weight: 1 },
    ),
    times: fc.oneof(
      { arbitrary: fc.integer({ min: 1, max: 4 }), weight: 4 },
      { arbitrary: fc.constant(Infinity), weight: 1 },
    ),
    // /alerts/ is the rules file, /alerts.jsonl the journal.
    path: fc.constantFrom(undefined, '/wal', '/blocks', '/alerts/', '/alerts.jsonl'),
    short: fc.boolean(),
  })
  .map((spec) => ({
    ...spec,
    // Only writes and zero-fills can be cut short (FaultyFs fails the other kinds, and appends,
    // with the errno instead).
    short: spec.short && (spec.kind === 'write' || spec.kind === 'zero-fill'),
  }));
const concurrent: fc.Arbitrary<Action> = fc.oneof(
  entries.map(logRun),
  rule.map(newAlert),
  fc.constant(check),
  id.map(query),
);

/** The action mix; repeated entries weigh more (fc.commands picks among them uniformly). */
export const actionCommands = (maxCommands: number, replayPath?: string) =>
  fc.commands(
    [
      entries.map(logRun),
      entries.map(logRun),
      burst.map(logRun),
      id.map(query),
      rule.map(newAlert),
      rule.map(newAlert),
      fc.constant(check),
      fc.constant(check),
      fc.constant(check),
      fc.constantFrom(1, 7, 1_000, 5_000, 61_000).map(advance),
      faultSpec.map(fault),
      faultSpec.map(fault),
      fc.constant(restart),
      fc.constant(crash),
      fc
        .tuple(concurrent, concurrent, fc.integer({ min: 0, max: 3 }))
        .map(([a, b, turns]) => together(a, b, turns)),
    ].map((arb) => arb.map((action) => new ActionCommand(action))),
    { maxCommands, size: 'large', replayPath },
  );
