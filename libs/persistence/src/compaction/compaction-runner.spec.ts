import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompactionTask } from './compaction-job';
import { WorkerCompactionRunner } from './compaction-runner';

/**
 * A stand-in for the built compaction-worker.js, speaking its messages: answers each task with a
 * result naming the thread that ran it, or dies when told to.
 */
const WORKER_SCRIPT = `
const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', (task) => {
  if (task.blockDir === 'die') process.exit(3);
  parentPort.postMessage({ result: { outputs: [], valuesIn: threadId, valuesOut: 0 } });
});
`;

const task = (blockDir = 'blocks'): CompactionTask => ({
  blockDir,
  inputs: [],
  windows: [],
  firstSeq: 1,
  cutoff: -Infinity,
  forgetBefore: -Infinity,
});

async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  for (const end = Date.now() + ms; !condition(); await sleep(10)) {
    if (Date.now() > end) throw new Error('timed out');
  }
}

describe('WorkerCompactionRunner', () => {
  let dir: string;
  let script: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-runner-'));
    script = join(dir, 'worker.js');
    await writeFile(script, WORKER_SCRIPT);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('ends its thread once idle, and starts a new one for the next job', async () => {
    const runner = new WorkerCompactionRunner(script, 200);
    try {
      const first = await runner.run(task());
      const second = await runner.run(task()); // back to back: the same thread
      expect(second.valuesIn).toBe(first.valuesIn);
      expect(runner.threadRunning).toBe(true);
      await until(() => !runner.threadRunning);
      const third = await runner.run(task());
      expect(third.valuesIn).not.toBe(first.valuesIn);
    } finally {
      await runner.close();
    }
  });

  it('fails the job of a thread that dies, and runs the next one on a new thread', async () => {
    const runner = new WorkerCompactionRunner(script, 60_000);
    try {
      await expect(runner.run(task('die'))).rejects.toThrow('exited with code 3');
      await expect(runner.run(task())).resolves.toMatchObject({ valuesOut: 0 });
    } finally {
      await runner.close();
    }
  });
});
